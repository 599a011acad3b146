package dev.keep.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.KeepCacheDir;
import dev.keep.loader.kvm.KeepCodeCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keep compile}: ahead-of-time compilation into the code cache that kvm starts and keep measure use. */
class CompileCommandTest {
    @TempDir
    Path dir;

    /** A command module of its own: its UUID keeps it out of every other test's cache entries. */
    private Path freshApp(String name) throws IOException {
        String wat = """
                (module
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory (export "memory") 1)
                  (data (i32.const 0) "%s")
                  (func $twice (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
                  (func (export "_start") (call $exit (call $twice (i32.const 3)))))
                """.formatted(UUID.randomUUID());
        return Files.write(dir.resolve(name), Wat2Wasm.parse(wat));
    }

    @Test
    void compilesIntoTheCacheOnceAndSaysSoTheSecondTime() throws IOException {
        Path app = freshApp("app.wasm");
        CliRun.Result first = CliRun.keep("compile", app.toString());
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().matches(
                "\\Q" + app + "\\E: 3 functions, \\d+ KiB of x86-64 code \\(compiled in \\d+ ms, cached\\)\n"), first.out());
        assertTrue(KeepCodeCache.forUser().holds(Files.readAllBytes(app)));
        assertTrue(Files.isDirectory(KeepCacheDir.base().resolve("keep-code")));

        CliRun.Result second = CliRun.keep("compile", app.toString());
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.out().endsWith("(in Keep's code cache)\n"), second.out());
    }

    @Test
    void theMeasurementIsTheSameBeforeAndAfterCompiling() throws IOException {
        Path app = freshApp("measured.wasm");
        CliRun.Result before = CliRun.keep("measure", app.toString());
        CliRun.keep("compile", app.toString());
        CliRun.Result after = CliRun.keep("measure", app.toString());
        assertEquals(0, after.exit(), after.err());
        assertEquals(before.out(), after.out());
    }

    @Test
    void measureSaysWhereTheCodeCameFromWhenVerbose() throws IOException {
        Path app = freshApp("verbose.wasm");
        CliRun.Result first = CliRun.keep("measure", "-v", app.toString());
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.err().matches("(?s).*keep: code: 3 functions, \\d+ KiB of x86-64 code \\(compiled in \\d+ ms, cached\\)\n.*"),
                first.err());
        CliRun.Result second = CliRun.keep("measure", "-v", app.toString());
        assertTrue(second.err().contains("keep: code: 3 functions, 1 KiB of x86-64 code (in Keep's code cache)\n"), second.err());
        assertEquals(first.out(), second.out());
        assertEquals("", CliRun.keep("measure", app.toString()).err(), "silent without -v");
    }

    @Test
    void aBadAppIsOneLineAndTheOthersStillCompile() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.wasm"), "not wasm");
        Path good = freshApp("good.wasm");
        CliRun.Result r = CliRun.keep("compile", bad.toString(), good.toString());
        assertEquals(1, r.exit());
        assertEquals("keep: " + bad + ": not a WebAssembly module (it does not start with \\0asm)\n", r.err());
        assertTrue(r.out().startsWith(good + ": 3 functions"), r.out());
        assertFalse(r.hasStackTrace());

        CliRun.Result missing = CliRun.keep("compile", dir.resolve("missing.wasm").toString());
        assertEquals(1, missing.exit());
        assertEquals(1, missing.err().lines().count(), missing.err());
    }
}
