package dev.keep.loader.wasi.suite;

import java.util.Optional;

/**
 * How one test went.
 *
 * @param failure why it failed, in one line; empty when every expectation was met
 * @param stdout what the (last) run wrote to stdout
 * @param stderr what it wrote to stderr, where programs explain their failures
 */
record TestResult(Optional<String> failure, String stdout, String stderr) {
    static TestResult failed(String why, String stdout, String stderr) {
        return new TestResult(Optional.of(why), stdout, stderr);
    }

    static TestResult failed(String why, Observation observed) {
        return failed(why, observed.stdout(), observed.stderr());
    }

    boolean passed() {
        return failure.isEmpty();
    }
}
