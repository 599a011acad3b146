package dev.keep.loader.wasi.suite;

/**
 * The verdict on one test (or on one stale expectation entry), as printed.
 *
 * @param kind how it counts in the summary
 * @param id the test id
 * @param detail why it failed, or why the failure is expected; empty for a pass
 */
public record TestOutcome(Kind kind, String id, String detail) {
    /** How an outcome counts. */
    public enum Kind {
        PASSED("PASS"),
        FAILED("FAIL"),
        /** Failed as the backend's expected-failure list says it does. */
        EXPECTED_FAILURE("XFAIL");

        private final String tag;

        Kind(String tag) {
            this.tag = tag;
        }

        public String tag() {
            return tag;
        }
    }

    /** One line: {@code PASS id}, {@code FAIL id: why}, {@code XFAIL id: why}. */
    public String line() {
        return detail.isEmpty() ? kind.tag() + " " + id : kind.tag() + " " + id + ": " + detail;
    }
}
