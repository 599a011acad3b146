package dev.keep.loader.wasi.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.KeepException;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.nil.NilBackend;
import dev.keep.loader.run.KeepRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Expected-failure lists, through {@link WasiSuiteRunner}: an entry explains a failure only while the
 * test fails the way it says; a stale or unknown entry fails the run.
 */
class ExpectedFailuresTest {
    private static final Path AS_TESTS = Path.of(System.getProperty("keep.projectRoot"))
            .resolve("../shared/testdata/wasi-testsuite/tests/assemblyscript/testsuite/wasm32-wasip1");

    @TempDir
    Path temp;

    @Test
    void aListedFailureShowingItsObservedTextIsExpected() throws IOException {
        SuiteDirectory dir = suiteWith("exits-33", "{}");
        List<String> lines = new ArrayList<>();
        SuiteSummary summary = runner(entry("lab/exits-33", "got 33"), lines).run(List.of(dir));

        assertTrue(summary.asExpected());
        assertEquals("0 passed, 0 failed, 1 expected failure", summary.line());
        assertEquals(List.of("XFAIL lab/exits-33: expected exit 0, got 33 [expected: proc_exit status is the exit code; test entry]"),
                lines);
    }

    @Test
    void aListedTestThatPassesIsAStaleEntryAndFails() throws IOException {
        SuiteDirectory dir = suiteWith("exits-33", "{\"exit_code\": 33}");
        List<String> lines = new ArrayList<>();
        SuiteSummary summary = runner(entry("lab/exits-33", "got 33"), lines).run(List.of(dir));

        assertFalse(summary.asExpected());
        assertEquals("0 passed, 1 failed", summary.line());
        assertEquals(List.of("FAIL lab/exits-33: passed, but test.toml lists it as an expected failure"
                + " (proc_exit status is the exit code); remove the stale entry"), lines);
    }

    @Test
    void aListedTestFailingForAnotherReasonFails() throws IOException {
        SuiteDirectory dir = suiteWith("exits-33", "{\"exit_code\": 1}");
        List<String> lines = new ArrayList<>();
        SuiteSummary summary = runner(entry("lab/exits-33", "got 34"), lines).run(List.of(dir));

        assertFalse(summary.asExpected());
        assertEquals(List.of("FAIL lab/exits-33: expected exit 1, got 33 (test.toml expects it to fail showing \"got 34\","
                + " which this run does not show)"), lines);
    }

    @Test
    void anEntryForATestTheSuiteDoesNotHaveFails() throws IOException {
        SuiteDirectory dir = suiteWith("exits-33", "{\"exit_code\": 33}");
        List<String> lines = new ArrayList<>();
        SuiteSummary summary = runner(entry("lab/renamed-away", "x"), lines).run(List.of(dir));

        assertFalse(summary.asExpected());
        assertEquals(List.of("PASS lab/exits-33",
                "FAIL lab/renamed-away: listed in test.toml, but " + dir.dir() + " has no such test; remove the entry"), lines);
    }

    @Test
    void bothShippedListsAreEmpty() {
        // nil serves WASI with the same host as kvm, so the bar is the same: every test passes.
        assertTrue(ExpectedFailures.forBackend("nil").entries().isEmpty(), "every test passes on nil");
        assertTrue(ExpectedFailures.forBackend("kvm").entries().isEmpty(), "the bar on kvm is that every test passes");
    }

    @Test
    void anIncompleteOrUnknownEntryIsAOneLineError() {
        KeepException missing = assertThrows(KeepException.class, () -> ExpectedFailures.parse("""
                [[expected_failure]]
                test = "lab/a"
                rule = "r"
                observed = "o"
                """, "bad.toml"));
        assertEquals("bad.toml: expected_failure #1: needs a non-empty 'why'", missing.getMessage());
        KeepException unknown = assertThrows(KeepException.class, () -> ExpectedFailures.parse("""
                [[expected_failure]]
                test = "lab/a"
                rule = "r"
                why = "w"
                observed = "o"
                reason = "?"
                """, "bad.toml"));
        assertEquals("bad.toml: expected_failure #1: unknown key 'reason' (expected test, rule, why, observed)", unknown.getMessage());
        KeepException twice = assertThrows(KeepException.class, () -> ExpectedFailures.parse("""
                [[expected_failure]]
                test = "lab/a"
                rule = "r"
                why = "w"
                observed = "o"
                [[expected_failure]]
                test = "lab/a"
                rule = "r"
                why = "w"
                observed = "o"
                """, "bad.toml"));
        assertEquals("bad.toml: expected_failure #2: test lab/a is listed twice", twice.getMessage());
    }

    private SuiteDirectory suiteWith(String name, String json) throws IOException {
        Path dir = Files.createDirectories(temp.resolve("lab"));
        Files.copy(AS_TESTS.resolve("proc_exit-failure.wasm"), dir.resolve(name + ".wasm"));
        Files.writeString(dir.resolve(name + ".json"), json);
        return SuiteDirectory.of(dir);
    }

    private static ExpectedFailures entry(String test, String observed) {
        return ExpectedFailures.parse("""
                [[expected_failure]]
                test = "%s"
                rule = "proc_exit status is the exit code"
                why = "test entry"
                observed = "%s"
                """.formatted(test, observed), "test.toml");
    }

    private static WasiSuiteRunner runner(ExpectedFailures expected, List<String> lines) {
        KeepRunner keep = new KeepRunner(new BackendSelector(List.of(new NilBackend(line -> {}))), line -> {});
        return new WasiSuiteRunner(keep, "nil", expected, Duration.ofSeconds(30), TestFilter.all(), lines::add);
    }
}
