package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.app;
import static dev.keep.loader.cli.CliRun.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Modules that ask for too much: the host stays up and says what happened in one line. */
class HostileModulesTest {
    @TempDir
    Path dir;

    @Test
    void fourGibibytesOfMemoryUpFront() {
        CliRun.Result r = keep("run", app(dir, "huge-memory").toString());
        // Surefire runs tests with -Xmx3g, so 4 GiB is over the nil backend's budget of half the heap.
        assertEquals(1, r.exit(), r.err());
        assertFalse(r.hasStackTrace(), r.err());
        assertTrue(r.err().matches("keep: .*huge-memory.wasm: needs 4096 MiB of linear memory at start, more than the \\d+ MiB the nil backend allows .*\\n"), r.err());
    }

    @Test
    void tenMillionTableEntries() {
        CliRun.Result r = keep("run", app(dir, "huge-table").toString());
        assertEquals(new CliRun.Result(0, "", ""), r);
    }

    @Test
    void growingMemoryUntilRefused() {
        // memory.grow answers -1 once the budget is reached; the app then exits on its own.
        CliRun.Result r = keep("run", app(dir, "grow-forever").toString());
        assertEquals(new CliRun.Result(3, "", ""), r);
    }
}
