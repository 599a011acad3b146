package dev.keep.loader.jail;

/**
 * A test-only instruction: instead of running the app, the jailed runner tries to reach beyond its
 * capabilities or its resource limits, after its seccomp filter is in place. Only code in this package (the tests) can ask
 * for one; the CLI cannot.
 *
 * @param kind what to try
 * @param target the host path to open, the TCP port on 127.0.0.1 to connect to, or the bound of a
 *     resource attempt (MiB, threads, milliseconds)
 */
record EscapeAttempt(Kind kind, String target) {
    enum Kind {
        /** Run the app. */
        NONE,
        /** open(2) a host file by path: the jail root has no host paths. */
        OPEN,
        /** execve(2) a program: seccomp kills the runner. */
        EXECVE,
        /** socket(2) for a TCP connection: seccomp kills the runner. */
        SOCKET,
        /** connect(2) on the descriptor it already holds: seccomp kills the runner. */
        CONNECT,
        /**
         * Touch native memory (outside the Java heap, which -Xmx bounds anyway) 16 MiB at a time, up
         * to target MiB: the memory limit of the runner's cgroup has the OOM killer end it first.
         */
        EXHAUST_MEMORY,
        /** Start threads until the kernel refuses one, at most target of them: the cgroup's pids.max. */
        EXHAUST_PIDS,
        /** Keep two threads busy for target milliseconds and report the CPU time they got: cpu.max. */
        BURN_CPU
    }

    static final EscapeAttempt NONE = new EscapeAttempt(Kind.NONE, "");
}
