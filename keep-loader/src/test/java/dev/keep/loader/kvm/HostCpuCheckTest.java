package dev.keep.loader.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.shim.image.CpuidLeaf;
import dev.keep.shim.image.KeepCpuid;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HostCpuCheckTest {
    private static final List<CpuidLeaf> TABLE = KeepCpuid.table("AuthenticAMD", 0xA00F11, 7);

    @Test
    void aHostWithNothingLacksEveryClaimedSiliconFeature() {
        List<String> missing = new HostCpuCheck((leaf, sub) -> new int[4]).missing(TABLE);
        int claimed = 0;
        for (CpuidLeaf l : TABLE) {
            switch (l.function()) {
                case 1 -> claimed += Integer.bitCount(l.ecx() & ~((1 << 27) | (1 << 31)))
                        + Integer.bitCount(l.edx());
                case 7 -> claimed += Integer.bitCount(l.ebx());
                case 0x8000_0001 -> claimed += Integer.bitCount(l.ecx()) + Integer.bitCount(l.edx());
                case 0xD -> claimed += l.index() == 0 ? Integer.bitCount(l.eax()) : 0;
                default -> { }
            }
        }
        assertEquals(claimed, missing.size(), missing.toString());
        assertTrue(missing.contains("cpuid 0x1.0 ecx bit 28"), "AVX");
        assertTrue(missing.contains("cpuid 0x7.0 ebx bit 5"), "AVX2");
        assertFalse(missing.contains("cpuid 0x1.0 ecx bit 27"), "OSXSAVE is the OS's bit");
    }

    @Test
    void aHostWithEverythingLacksNothing() {
        assertEquals(List.of(), new HostCpuCheck((leaf, sub) -> new int[] {-1, -1, -1, -1})
                .missing(TABLE));
    }

    /** cpuinfo flag for each table feature bit, to check the real host from a second source. */
    private static final Map<String, String> FLAGS = Map.ofEntries(
            Map.entry("cpuid 0x1.0 ecx bit 0", "pni"), Map.entry("cpuid 0x1.0 ecx bit 1", "pclmulqdq"),
            Map.entry("cpuid 0x1.0 ecx bit 9", "ssse3"), Map.entry("cpuid 0x1.0 ecx bit 12", "fma"),
            Map.entry("cpuid 0x1.0 ecx bit 13", "cx16"), Map.entry("cpuid 0x1.0 ecx bit 19", "sse4_1"),
            Map.entry("cpuid 0x1.0 ecx bit 20", "sse4_2"), Map.entry("cpuid 0x1.0 ecx bit 22", "movbe"),
            Map.entry("cpuid 0x1.0 ecx bit 23", "popcnt"), Map.entry("cpuid 0x1.0 ecx bit 25", "aes"),
            Map.entry("cpuid 0x1.0 ecx bit 26", "xsave"), Map.entry("cpuid 0x1.0 ecx bit 28", "avx"),
            Map.entry("cpuid 0x1.0 ecx bit 29", "f16c"), Map.entry("cpuid 0x1.0 ecx bit 30", "rdrand"),
            Map.entry("cpuid 0x1.0 edx bit 0", "fpu"), Map.entry("cpuid 0x1.0 edx bit 4", "tsc"),
            Map.entry("cpuid 0x1.0 edx bit 6", "pae"), Map.entry("cpuid 0x1.0 edx bit 8", "cx8"),
            Map.entry("cpuid 0x1.0 edx bit 15", "cmov"), Map.entry("cpuid 0x1.0 edx bit 16", "pat"),
            Map.entry("cpuid 0x1.0 edx bit 19", "clflush"), Map.entry("cpuid 0x1.0 edx bit 23", "mmx"),
            Map.entry("cpuid 0x1.0 edx bit 24", "fxsr"), Map.entry("cpuid 0x1.0 edx bit 25", "sse"),
            Map.entry("cpuid 0x1.0 edx bit 26", "sse2"), Map.entry("cpuid 0x7.0 ebx bit 3", "bmi1"),
            Map.entry("cpuid 0x7.0 ebx bit 5", "avx2"), Map.entry("cpuid 0x7.0 ebx bit 8", "bmi2"),
            Map.entry("cpuid 0x7.0 ebx bit 18", "rdseed"), Map.entry("cpuid 0x7.0 ebx bit 19", "adx"),
            Map.entry("cpuid 0x80000001.0 ecx bit 0", "lahf_lm"),
            Map.entry("cpuid 0x80000001.0 ecx bit 5", "abm"),
            Map.entry("cpuid 0x80000001.0 ecx bit 8", "3dnowprefetch"),
            Map.entry("cpuid 0x80000001.0 edx bit 20", "nx"),
            Map.entry("cpuid 0x80000001.0 edx bit 29", "lm"));

    @Test
    void theRealHostAgreesWithProcCpuinfo() throws Exception {
        String flagsLine = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(l -> l.startsWith("flags")).findFirst().orElseThrow();
        Set<String> flags = Arrays.stream(flagsLine.substring(flagsLine.indexOf(':') + 1).trim()
                .split("\\s+")).collect(Collectors.toSet());
        List<String> missing = new HostCpuCheck().missing(TABLE);
        int checked = 0;
        for (var feature : FLAGS.entrySet()) {
            if (flags.contains(feature.getValue())) {
                // The kernel only shows a flag the CPU reports, so it cannot be missing.
                assertFalse(missing.contains(feature.getKey()),
                        feature.getValue() + " is in /proc/cpuinfo: " + missing);
                checked++;
            }
        }
        assertTrue(checked > 20, "cpuinfo showed " + checked + " of the table's features");
        for (String m : missing) {
            assertTrue(m.startsWith("cpuid 0xd") || !flags.contains(FLAGS.get(m)),
                    "reported missing although cpuinfo lists it: " + m);
        }
    }
}
