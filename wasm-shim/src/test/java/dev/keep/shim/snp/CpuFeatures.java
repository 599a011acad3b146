package dev.keep.shim.snp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The emitted code needs AES-NI, PCLMULQDQ and SSE4.1. This machine has them, so their absence is a
 * test failure (a broken environment), never a reason to skip.
 */
final class CpuFeatures {
    private CpuFeatures() {
    }

    static void requireAesNiAndClmul() throws IOException {
        Set<String> flags = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
            .filter(l -> l.startsWith("flags"))
            .flatMap(l -> Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+")))
            .collect(Collectors.toSet());
        for (String f : new String[] {"aes", "pclmulqdq", "sse4_1"}) {
            assertTrue(flags.contains(f), "CPU flag " + f + " missing from /proc/cpuinfo");
        }
    }
}
