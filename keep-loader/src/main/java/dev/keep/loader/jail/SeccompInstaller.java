package dev.keep.loader.jail;

import static dev.keep.loader.jail.JailAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Installs a seccomp filter on every thread of this process: irreversible, for the rest of its life. */
final class SeccompInstaller {
    /** x86-64 {@code __NR_seccomp}; glibc has no wrapper. */
    static final int NR_SECCOMP = 317;

    private SeccompInstaller() {}

    /**
     * Sets no_new_privs (required for an unprivileged filter; bubblewrap has set it already) and
     * installs {@code program} with SECCOMP_FILTER_FLAG_TSYNC, so the JVM's existing threads get it
     * too and the threads they create inherit it.
     */
    static void install(SeccompProgram program) {
        JailNative.check(JailNative.prctl(PR_SET_NO_NEW_PRIVS, 1), "prctl(PR_SET_NO_NEW_PRIVS)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = program.toFilterArray(arena);
            MemorySegment fprog = arena.allocate(SOCK_FPROG_SIZE, 8);
            fprog.set(ValueLayout.JAVA_SHORT, SOCK_FPROG_LEN, (short) program.instructions().size());
            fprog.set(ValueLayout.ADDRESS, SOCK_FPROG_FILTER, filter);
            long result = JailNative.syscall(NR_SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprog);
            if (result > 0) {
                // With TSYNC a positive result is the id of a thread that could not be synchronised.
                throw new JailException("seccomp: thread " + result + " could not take the filter");
            }
            JailNative.check(result, "seccomp(SECCOMP_SET_MODE_FILTER, TSYNC)");
        }
    }

    /** Disables core dumps, so that a killed runner leaves no core file anywhere. */
    static void disableCoreDumps() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zero = arena.allocate(16, 8);
            JailNative.check(JailNative.setrlimit(RLIMIT_CORE, zero), "setrlimit(RLIMIT_CORE)");
        }
    }
}
