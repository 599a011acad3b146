package dev.keep.loader.jail;

import java.util.List;

/** What the jail's seccomp filter does with one system call; calls without a rule kill the process. */
sealed interface SeccompRule {
    String name();

    int number();

    /** Allowed with any arguments. */
    record Allow(String name, int number) implements SeccompRule {}

    /** Refused with {@code errno} (the call fails, the process lives): for calls with a fallback. */
    record Fail(String name, int number, int errno) implements SeccompRule {}

    /**
     * Allowed when the low 32 bits of argument {@code argIndex} equal one of {@code values}; any other
     * value fails with {@code errno}.
     */
    record AllowArgIn(String name, int number, int argIndex, List<Integer> values, int errno) implements SeccompRule {
        public AllowArgIn {
            values = List.copyOf(values);
        }
    }

    /** Allowed when argument {@code argIndex} has all of {@code bits} set; otherwise the process is killed. */
    record AllowArgBits(String name, int number, int argIndex, int bits) implements SeccompRule {}
}
