package dev.keep.loader.nil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.cli.CliRun;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chicory's own log lines stay off the app's stderr and go to -v. */
class ChicoryLogTest {
    @TempDir
    Path dir;

    @Test
    void anUnsupportedWasiCallAnswersTheAppAndLogsOnlyUnderVerbose() {
        Path app = CliRun.assemble(dir, "/apps/set-rights.wat");
        CliRun.Result quiet = CliRun.keep("run", "--backend", "nil", app.toString());
        assertEquals(0, quiet.exit(), quiet.err());
        // 58 = WASI errno notsup
        assertEquals("errno 58, done\n", quiet.out());
        assertEquals("", quiet.err());

        CliRun.Result verbose = CliRun.keep("run", "-v", "--backend", "nil", app.toString());
        assertEquals("errno 58, done\n", verbose.out());
        assertTrue(verbose.err().contains("nil: chicory error: fd_fdstat_set_rights operation not supported"), verbose.err());
    }
}
