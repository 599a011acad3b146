package dev.keep.loader.jail;

import dev.keep.loader.cli.CliRun;
import dev.keep.loader.config.KeepTomls;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keep run --jail} end to end through the real command line: what the app sees and how it ends. */
class JailRunTest {
    @TempDir
    Path dir;

    @Test
    void argsEnvAndStdoutPassThroughTheJail() {
        Path app = CliRun.assemble(dir, "/apps/echo.wat");
        CliRun.Result r = CliRun.keepWithStdin("", "run", "--jail", "--backend", "nil", "--env", "GREETING=hi", app.toString(), "one", "two");
        assertEquals(0, r.exit(), r.err());
        assertEquals("echo.wasm\none\ntwo\nGREETING=hi\n", r.out());
        assertEquals("", r.err());
    }

    @Test
    void theSupervisorCompilesTheAppAndTheRunnerRunsThoseClasses() {
        Path app = CliRun.assemble(dir, "/apps/exit-code.wat");
        CliRun.Result r = CliRun.keepWithStdin("", "run", "--jail", "-v", app.toString());
        assertEquals(7, r.exit(), r.err());
        assertTrue(r.err().contains("keep: jail: the runner gets the app's JVM classes "), r.err());
        // The runner's own verbose lines come back over the channel.
        assertTrue(r.err().contains("keep: jail: runner: nil: JVM bytecode compiled ahead by the supervisor ("), r.err());
    }

    @Test
    void stdinReachesTheJailedApp() {
        Path app = CliRun.assemble(dir, "/jail/drain-stdin.wat");
        CliRun.Result r = CliRun.keepWithStdin("twelve bytes", "run", "--jail", app.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("read 12\n", r.out());
    }

    @Test
    void theAppsExitCodeAndTrapsAreReportedAsUnjailed() {
        CliRun.Result exit = CliRun.keepWithStdin("", "run", "--jail", CliRun.assemble(dir, "/apps/exit-code.wat").toString());
        assertEquals(7, exit.exit(), exit.err());
        Path trapping = CliRun.assemble(dir, "/apps/divide-by-zero.wat");
        CliRun.Result trap = CliRun.keepWithStdin("", "run", "--jail", trapping.toString());
        assertEquals(134, trap.exit());
        assertEquals("keep: " + trapping + " trapped: integer divide by zero\n", trap.err());
    }

    @Test
    void preopenedDirectoriesArriveAsDescriptorsWithTheirModes() throws IOException {
        Path app = CliRun.assemble(dir, "/apps/create-file.wat");
        Path writable = Files.createDirectory(dir.resolve("writable"));
        CliRun.Result wrote = CliRun.keepWithStdin("", "run", "--jail", "--dir", writable + "::/out", app.toString());
        assertEquals(0, wrote.exit(), wrote.err());
        assertTrue(Files.exists(writable.resolve("out.txt")), "the jailed app created out.txt through its directory descriptor");

        Path readOnly = Files.createDirectory(dir.resolve("readonly"));
        Path toml = dir.resolve("Keep.toml");
        Files.writeString(toml, KeepTomls.STANDARD_STREAMS + """
                [[files]]
                kind = "dir"
                host = "readonly"
                guest = "/out"
                readonly = true
                """);
        CliRun.Result refused = CliRun.keepWithStdin("", "run", "--jail", "--config", toml.toString(), app.toString());
        assertEquals(69, refused.exit(), "WASI errno rofs from the first refused write; stderr: " + refused.err());
        assertFalse(Files.exists(readOnly.resolve("out.txt")));
    }

    @Test
    void badInputIsStillOneLineBeforeAnyJailStarts() throws IOException {
        Path notWasm = Files.writeString(dir.resolve("bad.wasm"), "not wasm");
        CliRun.Result r = CliRun.keepWithStdin("", "run", "--jail", notWasm.toString());
        assertEquals(1, r.exit());
        assertEquals("keep: " + notWasm + ": not a WebAssembly module (it does not start with \\0asm)\n", r.err());
    }
}
