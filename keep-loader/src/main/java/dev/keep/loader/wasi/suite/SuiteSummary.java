package dev.keep.loader.wasi.suite;

import java.util.List;

/** Every outcome of a suite run, and the closing count. */
public record SuiteSummary(List<TestOutcome> outcomes) {
    public SuiteSummary {
        outcomes = List.copyOf(outcomes);
    }

    public long count(TestOutcome.Kind kind) {
        return outcomes.stream().filter(o -> o.kind() == kind).count();
    }

    /** {@code N passed, M failed}, with {@code , K expected failures} when there are any. */
    public String line() {
        long expected = count(TestOutcome.Kind.EXPECTED_FAILURE);
        return count(TestOutcome.Kind.PASSED) + " passed, " + count(TestOutcome.Kind.FAILED) + " failed"
                + (expected > 0 ? ", " + expected + " expected failure" + (expected == 1 ? "" : "s") : "");
    }

    /** True when nothing failed that was not expected to, and no expectation was stale. */
    public boolean asExpected() {
        return count(TestOutcome.Kind.FAILED) == 0;
    }
}
