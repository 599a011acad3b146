package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.kvm.KvmProbe;
import dev.keep.loader.SampleApps;
import dev.keep.kvm.KvmStatus;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keep run --backend kvm} on this real host. Here /dev/kvm is missing, so the run ends with
 * one line naming the device and why; on a host where it is usable the experimental runner starts.
 * Either way auto never picks kvm, and {@code -v} and {@code keep platform info} call it experimental.
 */
class KvmBackendCliTest {
    @TempDir
    Path dir;

    private String hello;

    @BeforeEach
    void assembleHello() throws IOException {
        hello = SampleApps.hello(dir).toString();
    }
    private static final String EXPERIMENTAL = "experimental: its KVM runner has never run on a real /dev/kvm";

    @Test
    void runWithBackendKvmIsRefusedInOneLineNamingTheDevice() {
        KvmStatus device = KvmProbe.probe();
        CliRun.Result r = keep("run", "--backend", "kvm", hello);
        if (device.usable()) {
            assertEquals(0, r.exit(), r.err());
            assertEquals("Hello from a keep!\n", r.out());
            return;
        }
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("keep: backend kvm is unavailable: " + device.unusableReason().orElseThrow()),
                r.err());
        assertTrue(r.err().contains("/dev/kvm"), r.err());
        assertTrue(r.err().contains(EXPERIMENTAL), r.err());
        assertFalse(r.hasStackTrace(), r.err());
    }

    @Test
    void autoRunsHelloOnNilAndVerboseSaysWhyNotKvm() {
        CliRun.Result r = keep("-v", "run", hello);
        assertEquals(0, r.exit(), r.err());
        assertEquals("Hello from a keep!\n", r.out());
        String skipped = r.err().lines().filter(l -> l.startsWith("keep: auto: skipped kvm: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line about kvm in:\n" + r.err()));
        assertTrue(skipped.contains(EXPERIMENTAL), skipped);
        assertTrue(r.err().contains("keep: auto: chose nil: "), r.err());
    }

    @Test
    void platformInfoCallsKvmExperimental() {
        CliRun.Result r = keep("platform", "info");
        assertEquals(0, r.exit(), r.err());
        String kvmLine = r.out().lines().filter(l -> l.startsWith("  kvm ")).findFirst()
                .orElseThrow(() -> new AssertionError("no kvm backend line in:\n" + r.out()));
        assertTrue(kvmLine.contains(EXPERIMENTAL), kvmLine);
        assertTrue(kvmLine.contains(KvmProbe.probe().usable() ? "available with --backend kvm only" : "unavailable: "),
                kvmLine);
    }
}
