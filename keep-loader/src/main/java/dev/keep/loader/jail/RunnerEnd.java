package dev.keep.loader.jail;

/**
 * How a jailed runner ended, as the supervisor saw it: from the runner's own report when it sent one,
 * otherwise from its exit status (bubblewrap passes a signal death on as 128 + the signal).
 */
public sealed interface RunnerEnd {
    /** One line for the user, naming what happened. */
    String describe();

    /** The app exited with {@code status} (its proc_exit code). */
    record AppExited(int status) implements RunnerEnd {
        public String describe() {
            return "the app exited with status " + status;
        }
    }

    /** The app hit a WebAssembly trap. */
    record AppTrapped(String message) implements RunnerEnd {
        public String describe() {
            return "the app trapped: " + message;
        }
    }

    /** Keep could not run the app inside the jail (bad module, missing import, ...). */
    record Failed(String message) implements RunnerEnd {
        public String describe() {
            return message;
        }
    }

    /** A test escape attempt came back refused. */
    record EscapeRefused(String message) implements RunnerEnd {
        public String describe() {
            return "the runner's " + message;
        }
    }

    /** Killed by SIGSYS: a system call outside the seccomp allow-list. */
    record SeccompKilled() implements RunnerEnd {
        public String describe() {
            return "the runner was killed by seccomp (SIGSYS): it made a system call outside its allow-list";
        }
    }

    /** Killed by the kernel's OOM killer in the runner's cgroup. */
    record OomKilled(long memoryBytes) implements RunnerEnd {
        public String describe() {
            return "the runner was killed by the kernel's OOM killer at its " + (memoryBytes >> 20) + " MiB memory limit";
        }
    }

    /** Killed by another signal. */
    record Signalled(int signal) implements RunnerEnd {
        public String describe() {
            return "the runner was killed by signal " + signal + " (" + Signals.name(signal) + ")";
        }
    }

    /** Exited on its own without reporting how the app ended (its JVM failed to start, for instance). */
    record Vanished(int status) implements RunnerEnd {
        public String describe() {
            return "the runner ended with status " + status + " before reporting how the app ended";
        }
    }
}
