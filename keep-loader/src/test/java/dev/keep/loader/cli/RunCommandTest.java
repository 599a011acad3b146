package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.app;
import static dev.keep.loader.cli.CliRun.keep;
import static dev.keep.loader.cli.CliRun.keepWithStdin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.config.KeepTomls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keep run} on the nil backend: argv, env, exit status, traps and read-only directories. */
class RunCommandTest {
    @TempDir
    Path dir;

    @Test
    void passesArgumentsAfterTheAppIncludingOptionLookingOnes() {
        CliRun.Result r = keep("run", "--backend", "nil", app(dir, "echo").toString(), "one", "--backend", "-v");
        assertEquals(0, r.exit(), r.err());
        assertEquals("echo.wasm\none\n--backend\n-v\n", r.out());
    }

    @Test
    void dropsOnlyASeparatorRightAfterTheApp() {
        CliRun.Result r = keep("run", app(dir, "echo").toString(), "--", "a", "--");
        assertEquals("echo.wasm\na\n--\n", r.out());
    }

    @Test
    void mergesKeepTomlArgsAndEnvWithTheCommandLine() throws IOException {
        Path toml = dir.resolve("Keep.toml");
        Files.writeString(toml, """
                args = ["from-toml"]
                [env]
                A = "toml"
                B = "toml"
                """);
        CliRun.Result r = keep("run", "--config", toml.toString(), "--env", "B=cli", "--env", "C=x=y",
                app(dir, "echo").toString(), "from-cli");
        assertEquals(0, r.exit(), r.err());
        assertEquals("echo.wasm\nfrom-toml\nfrom-cli\nA=toml\nB=cli\nC=x=y\n", r.out());
    }

    @Test
    void exitStatusIsTheAppsProcExitCode() {
        CliRun.Result r = keep("run", app(dir, "exit-code").toString());
        assertEquals(7, r.exit());
        assertEquals("", r.err());
    }

    @Test
    void trapsExitWith134AndOneLineNamingTheTrap() {
        for (String[] c : new String[][] {
            {"divide-by-zero", "integer divide by zero"},
            {"unreachable", "unreachable"},
            {"out-of-bounds", "out of bounds memory access"},
            {"fill-past-2gib", "out of bounds memory access"},
            {"table-copy-past-2gi", "out of bounds table access"},
            {"recurse", "call stack exhausted"},
        }) {
            CliRun.Result r = keep("run", app(dir, c[0]).toString());
            assertEquals(134, r.exit(), c[0] + ": " + r.err());
            assertTrue(r.err().startsWith("keep: ") && r.err().contains("trapped") && r.err().contains(c[1]), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }

    @Test
    void readOnlyDirectoryRefusesCreatingFiles() throws IOException {
        Path data = Files.createDirectory(dir.resolve("ro"));
        Path toml = configWithDir(data, true);
        CliRun.Result r = keep("run", "--config", toml.toString(), app(dir, "create-file").toString());
        assertEquals(69, r.exit(), "WASI errno rofs expected; " + r.err());
        assertFalse(Files.exists(data.resolve("out.txt")));
    }

    @Test
    void readOnlyDirectoryRefusesWritesToExistingFiles() throws IOException {
        Path data = Files.createDirectory(dir.resolve("ro"));
        Files.writeString(data.resolve("existing.txt"), "original\n");
        Path toml = configWithDir(data, true);
        CliRun.Result r = keep("run", "--config", toml.toString(), app(dir, "write-existing").toString());
        assertEquals(69, r.exit(), "WASI errno rofs expected; " + r.err());
        assertEquals("original\n", Files.readString(data.resolve("existing.txt")));
    }

    @Test
    void writableDirectoryAcceptsWrites() throws IOException {
        Path data = Files.createDirectory(dir.resolve("rw"));
        Path toml = configWithDir(data, false);
        CliRun.Result r = keep("run", "--config", toml.toString(), app(dir, "create-file").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("written\n", Files.readString(data.resolve("out.txt")));
    }

    @Test
    void dirOptionPreopensReadWrite() throws IOException {
        Path data = Files.createDirectory(dir.resolve("cli"));
        CliRun.Result r = keep("run", "--dir", data + "::/work", app(dir, "create-file").toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("written\n", Files.readString(data.resolve("out.txt"), StandardCharsets.UTF_8));
    }

    @Test
    void verboseSaysWhichBackendAndThatNilHasNoIsolation() {
        CliRun.Result r = keep("-v", "run", app(dir, "exit-code").toString());
        assertTrue(r.err().contains("auto: chose nil"), r.err());
        assertTrue(r.err().contains("NO isolation"), r.err());
        assertTrue(r.err().contains("auto: skipped kvm"), r.err());
    }

    @Test
    void stdinCanBeTheNullDevice() throws IOException {
        Path toml = dir.resolve("Keep.toml");
        Files.writeString(toml, """
                [[files]]
                kind = "null"
                [[files]]
                kind = "stderr"
                [[files]]
                kind = "stdout"
                """);
        CliRun.Result r = keepWithStdin("ignored", "run", "--config", toml.toString(), app(dir, "echo").toString());
        assertEquals(0, r.exit());
        assertEquals("", r.out(), "fd 1 was bound to the host's stderr");
        assertEquals("echo.wasm\n", r.err());
    }

    private Path configWithDir(Path data, boolean readOnly) throws IOException {
        Path toml = dir.resolve("Keep.toml");
        Files.writeString(toml, KeepTomls.STANDARD_STREAMS + """
                [[files]]
                kind = "dir"
                host = "%s"
                guest = "/data"
                readonly = %s
                """.formatted(data.getFileName(), readOnly));
        return toml;
    }

    @Test
    void aFunctionsReferenceToItselfDeclaredOnlyByAnActiveSegmentIsValid() throws IOException {
        // Valid by the spec (C.refs counts every element segment); Chicory's validator calls it
        // "undeclared function reference", and Keep's loader validates again with the declaration
        // spelled out, as its compiler's front end does.
        Path app = Files.write(dir.resolve("self-ref.wasm"), com.dylibso.chicory.wabt.Wat2Wasm.parse("""
                (module
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory (export "memory") 1)
                  (table 1 funcref)
                  (elem (i32.const 0) $self)
                  (func $self (result i32) (ref.is_null (ref.func $self)))
                  (func (export "_start") (call $exit (i32.add (i32.const 3) (call $self)))))
                """));
        for (String backend : new String[] {"nil", "auto"}) {
            CliRun.Result r = keepWithStdin("", "run", "--backend", backend, app.toString());
            assertEquals(3, r.exit(), r.err());
        }
        assertEquals(0, keep("measure", app.toString()).exit());
    }
}
