package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.SampleApps;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.sev.SevSnpBackend;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keep run --backend sev-snp} on this real host, which has no SEV-SNP: the run ends with one
 * line giving the probe's reasons. {@code auto} never picks sev-snp, and {@code -v} and {@code keep
 * platform info} call it experimental.
 */
class SevSnpBackendCliTest {
    @TempDir
    Path dir;

    private String hello;

    @BeforeEach
    void assembleHello() throws IOException {
        hello = SampleApps.hello(dir).toString();
    }

    @Test
    void runWithBackendSevSnpIsRefusedInOneLineSayingWhy() {
        Availability host = HostProbes.sevSnp();
        CliRun.Result r = keep("run", "--backend", "sev-snp", hello);
        assertFalse(r.hasStackTrace(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        if (host.available()) {
            // An SEV-SNP host: the experimental backend runs, or fails in one line naming a launch step.
            assertTrue(r.exit() == 0 || r.err().startsWith("keep: backend sev-snp: "), r.err());
            return;
        }
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out());
        assertEquals("keep: backend sev-snp is unavailable: " + host.detail() + " (the sev-snp backend is "
                + SevSnpBackend.EXPERIMENTAL + ")\n", r.err());
    }

    @Test
    void autoRunsHelloElsewhereAndVerboseSaysSevSnpIsExperimental() {
        CliRun.Result r = keep("-v", "run", hello);
        assertEquals(0, r.exit(), r.err());
        assertEquals("Hello from a keep!\n", r.out());
        String skipped = r.err().lines().filter(l -> l.startsWith("keep: auto: skipped sev-snp: ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line about sev-snp in:\n" + r.err()));
        assertTrue(skipped.contains(SevSnpBackend.EXPERIMENTAL), skipped);
    }

    @Test
    void platformInfoCallsSevSnpExperimental() {
        CliRun.Result r = keep("platform", "info");
        assertEquals(0, r.exit(), r.err());
        String line = r.out().lines().filter(l -> l.startsWith("  sev-snp ")).findFirst()
                .orElseThrow(() -> new AssertionError("no sev-snp backend line in:\n" + r.out()));
        assertTrue(line.contains(SevSnpBackend.EXPERIMENTAL), line);
        assertTrue(line.contains(HostProbes.sevSnp().available() ? "available with --backend sev-snp only"
                : "unavailable: "), line);
    }
}
