package dev.keep.loader.wasi.suite;

import dev.keep.loader.KeepException;
import dev.keep.loader.run.KeepRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Runs the WASI test suite (wasi-testsuite, wasm32-wasip1 programs) on one backend: every test of
 * the given directories that the filter selects, one result line each, in order. A test listed in the
 * backend's expected failures counts as such only while it fails the way the list says; a listed test
 * that passes, fails differently, or no longer exists is a failure, so the list cannot go stale.
 */
public final class WasiSuiteRunner {
    private final TestExecution execution;
    private final ExpectedFailures expected;
    private final Predicate<String> filter;
    private final Consumer<String> lines;

    /**
     * @param runner runs each program
     * @param backend the backend name given to the runner ({@code nil}, {@code kvm})
     * @param expected the tests this backend is known to fail
     * @param limit how long one run may take
     * @param filter which test ids to run
     * @param lines receives each result line as soon as it is known
     */
    public WasiSuiteRunner(KeepRunner runner, String backend, ExpectedFailures expected, Duration limit,
            Predicate<String> filter, Consumer<String> lines) {
        this.execution = new TestExecution(runner, backend, limit);
        this.expected = expected;
        this.filter = filter;
        this.lines = lines;
    }

    /** Runs the selected tests of {@code dirs}; the summary's {@link SuiteSummary#line()} is not printed here. */
    public SuiteSummary run(List<SuiteDirectory> dirs) {
        List<TestOutcome> outcomes = new ArrayList<>();
        for (SuiteDirectory dir : dirs) {
            Set<String> present = new HashSet<>();
            for (SuiteTest test : dir.tests()) {
                present.add(test.id());
                if (filter.test(test.id())) {
                    report(outcomes, judge(test, run(test)));
                }
            }
            for (ExpectedFailure entry : expected.entries()) {
                if (entry.test().startsWith(dir.label() + "/") && !present.contains(entry.test()) && filter.test(entry.test())) {
                    report(outcomes, new TestOutcome(TestOutcome.Kind.FAILED, entry.test(),
                            "listed in " + expected.source() + ", but " + dir.dir() + " has no such test; remove the entry"));
                }
            }
        }
        return new SuiteSummary(outcomes);
    }

    private TestResult run(SuiteTest test) {
        TestSpec spec;
        try {
            spec = test.spec().map(TestSpecParser::read).orElseGet(TestSpec::defaults);
        } catch (KeepException e) {
            return TestResult.failed(e.getMessage(), "", "");
        }
        return execution.execute(test, spec);
    }

    private TestOutcome judge(SuiteTest test, TestResult result) {
        var listed = expected.forTest(test.id());
        if (listed.isEmpty()) {
            return result.passed() ? new TestOutcome(TestOutcome.Kind.PASSED, test.id(), "")
                    : new TestOutcome(TestOutcome.Kind.FAILED, test.id(), result.failure().get());
        }
        ExpectedFailure entry = listed.get();
        if (result.passed()) {
            return new TestOutcome(TestOutcome.Kind.FAILED, test.id(), "passed, but " + expected.source()
                    + " lists it as an expected failure (" + entry.rule() + "); remove the stale entry");
        }
        String failure = result.failure().get();
        if (!(failure + "\n" + result.stderr() + "\n" + result.stdout()).contains(entry.observed())) {
            return new TestOutcome(TestOutcome.Kind.FAILED, test.id(), failure + " (" + expected.source()
                    + " expects it to fail showing " + Texts.quote(entry.observed()) + ", which this run does not show)");
        }
        return new TestOutcome(TestOutcome.Kind.EXPECTED_FAILURE, test.id(),
                failure + " [expected: " + entry.rule() + "; " + entry.why() + "]");
    }

    private void report(List<TestOutcome> outcomes, TestOutcome outcome) {
        outcomes.add(outcome);
        lines.accept(outcome.line());
    }
}
