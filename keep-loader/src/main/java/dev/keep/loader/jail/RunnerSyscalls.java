package dev.keep.loader.jail;

import static dev.keep.loader.jail.JailAbi.CLONE_THREAD;
import static dev.keep.loader.jail.JailAbi.ENOSYS;

import java.util.ArrayList;
import java.util.List;

/**
 * The system calls a jailed nil runner may make once its JVM is up and it holds its descriptors:
 * found with {@code strace -f} on the runner for every sample and the test apps, then trimmed to what
 * a JVM running Chicory with Keep's WASI host over preopened descriptors needs. socket fails with EACCES;
 * everything else kills the process: notably connect, bind, listen, execve, execveat, fork (clone without
 * CLONE_THREAD), ptrace, mount, unshare, setns, bpf, keyctl, io_uring and the process_vm calls. The sockets of
 * Keep.toml's listen and connect entries arrive open from the supervisor: accept4, recvfrom and sendto serve
 * them, and give nothing more, since the runner can make no socket of its own.
 *
 * <p>Numbers are x86-64 ({@code <asm/unistd_64.h>}); {@code JailAbiTest} checks each against the header.
 */
final class RunnerSyscalls {
    private RunnerSyscalls() {}

    // <asm-generic/ioctls.h>: the only ioctls the JVM makes on its streams.
    static final int TCGETS = 0x5401;
    static final int FIONREAD = 0x541B;
    // <linux/prctl.h>
    static final int PR_SET_NAME = 15;
    static final int PR_GET_NAME = 16;
    private static final int EINVAL = 22;
    private static final int ENOTTY = 25;
    private static final int EACCES = 13;

    /** name, number: calls allowed with any arguments. */
    private static final Object[][] ALLOWED = {
        // Memory: the Java heap, the JIT's code cache, thread stacks, GC.
        {"mmap", 9}, {"mprotect", 10}, {"munmap", 11}, {"brk", 12}, {"mremap", 25}, {"madvise", 28}, {"membarrier", 324},
        // Threads and their synchronisation (new threads come from clone, checked below).
        {"futex", 202}, {"set_robust_list", 273}, {"rseq", 334}, {"set_tid_address", 218}, {"sched_yield", 24},
        {"sched_getaffinity", 204}, {"sched_getparam", 143}, {"sched_getscheduler", 145}, {"exit", 60}, {"exit_group", 231},
        {"arch_prctl", 158}, {"gettid", 186}, {"getpid", 39}, {"getppid", 110}, {"tgkill", 234},
        // Signals: the JVM uses them for its own safepoints and crash handling.
        {"rt_sigaction", 13}, {"rt_sigprocmask", 14}, {"rt_sigreturn", 15}, {"sigaltstack", 131},
        // Time and host facts.
        {"clock_gettime", 228}, {"clock_getres", 229}, {"clock_nanosleep", 230}, {"nanosleep", 35}, {"gettimeofday", 96},
        {"getrusage", 98}, {"times", 100}, {"sysinfo", 99}, {"uname", 63}, {"getrandom", 318},
        {"getuid", 102}, {"getgid", 104}, {"geteuid", 107}, {"getegid", 108}, {"getrlimit", 97}, {"prlimit64", 302},
        // Descriptor I/O: the stdio pipes, the channel, files beneath the preopened directories.
        {"read", 0}, {"write", 1}, {"readv", 19}, {"writev", 20}, {"pread64", 17}, {"pwrite64", 18}, {"lseek", 8},
        {"close", 3}, {"dup", 32}, {"dup2", 33}, {"dup3", 292}, {"fcntl", 72}, {"poll", 7}, {"ppoll", 271},
        {"sendmsg", 46}, {"recvmsg", 47}, {"shutdown", 48},
        // The handed-over sockets: glibc's recv and send are these two system calls.
        {"accept4", 288}, {"recvfrom", 45}, {"sendto", 44},
        {"fstat", 5}, {"fstatfs", 138}, {"fsync", 74}, {"fdatasync", 75}, {"ftruncate", 77}, {"fallocate", 285},
        {"getdents64", 217},
        // Paths: the jail root holds only the JDK and Keep's jars, read-only; writable places are reached
        // only through the directory descriptors the supervisor handed over (/proc/self/fd/N).
        {"open", 2}, {"openat", 257}, {"stat", 4}, {"lstat", 6}, {"newfstatat", 262}, {"statx", 332}, {"statfs", 137},
        {"access", 21}, {"faccessat", 269}, {"faccessat2", 439}, {"readlink", 89}, {"readlinkat", 267}, {"getcwd", 79},
        {"mkdir", 83}, {"mkdirat", 258}, {"rmdir", 84}, {"unlink", 87}, {"unlinkat", 263}, {"rename", 82},
        {"renameat", 264}, {"renameat2", 316}, {"link", 86}, {"linkat", 265}, {"symlink", 88}, {"symlinkat", 266},
        {"utimensat", 280},
        // Keep's WASI host resolves every guest path beneath its directory with openat2 and RESOLVE_BENEATH.
        {"openat2", 437},
    };

    static List<SeccompRule> rules() {
        List<SeccompRule> rules = new ArrayList<>();
        for (Object[] entry : ALLOWED) {
            rules.add(new SeccompRule.Allow((String) entry[0], (Integer) entry[1]));
        }
        // Threads only: clone without CLONE_THREAD would be a fork.
        rules.add(new SeccompRule.AllowArgBits("clone", 56, 0, CLONE_THREAD));
        // clone3 passes its flags in memory, where BPF cannot look: ENOSYS makes glibc fall back to clone.
        rules.add(new SeccompRule.Fail("clone3", 435, ENOSYS));
        // The JVM names its threads; nothing else of prctl is needed.
        rules.add(new SeccompRule.AllowArgIn("prctl", 157, 0, List.of(PR_SET_NAME, PR_GET_NAME), EINVAL));
        // The JDK's NIO start-up probes for IPv4/IPv6 support with a throw-away socket and copes with a
        // refusal; the runner itself never needs a new socket. connect, bind, listen stay fatal.
        rules.add(new SeccompRule.Fail("socket", 41, EACCES));
        // isatty() and available() on the stdio pipes.
        rules.add(new SeccompRule.AllowArgIn("ioctl", 16, 1, List.of(TCGETS, FIONREAD), ENOTTY));
        return rules;
    }
}
