package dev.keep.loader.wasi.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keep wasi-suite} on test directories written here: wrong expectations, a program that never
 * ends, broken specifications, operation-based specifications, and bad command lines.
 */
class CraftedSuiteTest {
    private static final Path AS_TESTS = Path.of(System.getProperty("keep.projectRoot"))
            .resolve("../shared/testdata/wasi-testsuite/tests/assemblyscript/testsuite/wasm32-wasip1");

    @TempDir
    Path temp;

    Path suite;

    @BeforeEach
    void createSuiteDir() throws IOException {
        suite = Files.createDirectory(temp.resolve("crafted"));
    }

    @Test
    void wrongExpectedStdoutAndExitCodeAreFailuresWithTheirReasons() throws IOException {
        program("fd_write-to-stdout", "wrong-stdout", "{\"stdout\": \"goodbye\"}");
        program("proc_exit-failure", "wrong-exit", "{\"exit_code\": 0}");
        program("proc_exit-failure", "right-exit", "{\"exit_code\": 33}");
        program("proc_exit-success", "no-json", null);

        CliRun.Result run = CliRun.keep("wasi-suite", suite.toString());

        assertEquals(1, run.exit(), run.out() + run.err());
        assertEquals(List.of(
                "PASS crafted/no-json",
                "PASS crafted/right-exit",
                "FAIL crafted/wrong-exit: expected exit 0, got 33",
                "FAIL crafted/wrong-stdout: stdout: expected \"goodbye\", got \"hello\"",
                "2 passed, 2 failed"), run.out().lines().toList());
        assertEquals("", run.err());
    }

    @Test
    void aProgramThatNeverEndsIsTimedOutAndTheSuiteGoesOn() throws IOException {
        wat("hang", """
                (module (memory (export "memory") 1)
                  (func (export "_start") (loop $forever (br $forever))))
                """);
        program("proc_exit-success", "after-hang", null);

        Instant start = Instant.now();
        CliRun.Result run = CliRun.keep("wasi-suite", "--timeout", "1", suite.toString());
        Duration took = Duration.between(start, Instant.now());

        assertEquals(1, run.exit(), run.out() + run.err());
        assertEquals(List.of("PASS crafted/after-hang", "FAIL crafted/hang: timed out after 1 s", "1 passed, 1 failed"),
                run.out().lines().toList());
        assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, "the hung program was stopped: " + took);
    }

    @Test
    void aMalformedSpecificationIsAOneLineFailureOfThatTestOnly() throws IOException {
        program("proc_exit-success", "broken", "{\"args\": [\"a\",\n");
        program("proc_exit-success", "misspelt", "{\"exitcode\": 3}");
        program("proc_exit-success", "mixed", "{\"args\": [], \"operations\": []}");
        program("proc_exit-success", "fine", "{}");

        CliRun.Result run = CliRun.keep("wasi-suite", suite.toString());

        assertEquals(1, run.exit(), run.out() + run.err());
        List<String> lines = run.out().lines().toList();
        assertEquals(5, lines.size(), run.out());
        assertTrue(lines.get(0).startsWith("FAIL crafted/broken: " + suite.resolve("broken.json") + ":"), lines.get(0));
        assertTrue(lines.get(0).contains(": not a valid test specification: "), lines.get(0));
        assertEquals("PASS crafted/fine", lines.get(1));
        assertEquals("FAIL crafted/misspelt: " + suite.resolve("misspelt.json")
                + ": not a valid test specification: unknown field 'exitcode' (expected args, env, exit_code, root, stderr, stdout)",
                lines.get(2));
        assertTrue(lines.get(3).startsWith("FAIL crafted/mixed: ") && lines.get(3).contains("mixes legacy fields [args]"),
                lines.get(3));
        assertEquals("1 passed, 3 failed", lines.get(4));
        assertFalse(run.hasStackTrace(), run.err());
    }

    @Test
    void operationsGiveArgsEnvAndStdinAndCheckReadsInOrder() throws IOException {
        CliRun.app(suite, "echo");
        Files.writeString(suite.resolve("echo.json"), """
                {"operations": [
                  {"type": "run", "args": ["first", "the \\"second\\" arg"], "env": {"A": "1", "B": "two words"}},
                  {"type": "read", "payload": "echo.wasm\\nfirst\\n"},
                  {"type": "read", "id": "stdout", "payload": "the \\"second\\" arg\\nA=1\\nB=two words\\n"},
                  {"type": "read", "id": "stderr", "payload": ""},
                  {"type": "wait", "exit_code": 0}
                ]}
                """);
        wat("cat", CAT);
        Files.writeString(suite.resolve("cat.json"), """
                {"operations": [
                  {"type": "run"},
                  {"type": "write", "id": "stdin", "payload": "hello "},
                  {"type": "write", "id": "stdin", "payload": "world"},
                  {"type": "read", "payload": "hello world"},
                  {"type": "wait"},
                  {"type": "run"},
                  {"type": "read", "payload": "x"},
                  {"type": "wait"}
                ]}
                """);

        CliRun.Result run = CliRun.keep("wasi-suite", suite.toString());

        assertEquals(List.of(
                "FAIL crafted/cat: stdout: expected \"x\", got \"\"",
                "PASS crafted/echo",
                "1 passed, 1 failed"), run.out().lines().toList(), "the second run of cat has no stdin, so it prints nothing");
    }

    @Test
    void theFilterSelectsByNameOrId() throws IOException {
        program("proc_exit-success", "alpha", null);
        program("proc_exit-success", "beta", null);
        program("proc_exit-success", "gamma", null);

        assertEquals(List.of("PASS crafted/beta", "1 passed, 0 failed"),
                CliRun.keep("wasi-suite", "--filter", "b*", suite.toString()).out().lines().toList());
        assertEquals(List.of("PASS crafted/alpha", "PASS crafted/gamma", "2 passed, 0 failed"),
                CliRun.keep("wasi-suite", "--filter", "crafted/[ag]*", suite.toString()).out().lines().toList());
    }

    @Test
    void theKvmBackendIsReportedUnavailableInOneLine() throws IOException {
        program("proc_exit-success", "any", null);

        CliRun.Result run = CliRun.keep("wasi-suite", "--backend", "kvm", suite.toString());

        assertEquals(1, run.exit());
        assertEquals("", run.out());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().startsWith("keep: backend kvm is unavailable: "), run.err());
    }

    @Test
    void badCommandLinesAreOneLineErrors() {
        CliRun.Result missing = CliRun.keep("wasi-suite", temp.resolve("absent").toString());
        assertEquals(1, missing.exit());
        assertEquals("keep: " + temp.resolve("absent") + ": no such directory", missing.err().strip());

        CliRun.Result backend = CliRun.keep("wasi-suite", "--backend", "sev-snp", suite.toString());
        assertEquals(2, backend.exit());
        assertTrue(backend.err().startsWith("keep: unknown backend 'sev-snp': expected one of nil, kvm"), backend.err());

        CliRun.Result glob = CliRun.keep("wasi-suite", "--filter", "[a", suite.toString());
        assertEquals(2, glob.exit());
        assertTrue(glob.err().startsWith("keep: --filter: not a valid glob '[a'"), glob.err());

        CliRun.Result timeout = CliRun.keep("wasi-suite", "--timeout", "0", suite.toString());
        assertEquals(2, timeout.exit());
        for (CliRun.Result r : List.of(missing, backend, glob, timeout)) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertEquals("", r.out());
        }
    }

    /** Copies the suite's AssemblyScript program {@code source} as {@code name}, with {@code json} beside it when given. */
    private void program(String source, String name, String json) throws IOException {
        Files.copy(AS_TESTS.resolve(source + ".wasm"), suite.resolve(name + ".wasm"));
        if (json != null) {
            Files.writeString(suite.resolve(name + ".json"), json);
        }
    }

    private void wat(String name, String text) throws IOException {
        Path wat = temp.resolve(name + ".wat");
        Files.writeString(wat, text);
        Files.write(suite.resolve(name + ".wasm"), Wat2Wasm.parse(wat.toFile()));
    }

    /** Copies stdin to stdout until end of input. */
    private static final String CAT = """
            (module
              (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (memory (export "memory") 1)
              (func (export "_start")
                (loop $more
                  (i32.store (i32.const 0) (i32.const 64))
                  (i32.store (i32.const 4) (i32.const 256))
                  (br_if 1 (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
                  (br_if 1 (i32.eqz (i32.load (i32.const 8))))
                  (i32.store (i32.const 4) (i32.load (i32.const 8)))
                  (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 12)))
                  (br $more))))
            """;
}
