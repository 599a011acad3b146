package dev.keep.loader.jail;

/**
 * The x86-64 Linux ABI numbers the jail uses: struct sizes and offsets, flags and constants.
 * {@code JailAbiTest} checks every one of them against the C headers with a gcc-compiled program.
 */
final class JailAbi {
    private JailAbi() {}

    // <linux/filter.h>: struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }
    static final int SOCK_FILTER_SIZE = 8;
    static final int SOCK_FILTER_CODE = 0;
    static final int SOCK_FILTER_JT = 2;
    static final int SOCK_FILTER_JF = 3;
    static final int SOCK_FILTER_K = 4;
    // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
    static final int SOCK_FPROG_SIZE = 16;
    static final int SOCK_FPROG_LEN = 0;
    static final int SOCK_FPROG_FILTER = 8;
    /** BPF_MAXINSNS: the longest program the kernel accepts. */
    static final int BPF_MAXINSNS = 4096;

    // BPF opcodes (<linux/bpf_common.h>).
    static final int BPF_LD = 0x00;
    static final int BPF_JMP = 0x05;
    static final int BPF_RET = 0x06;
    static final int BPF_W = 0x00;
    static final int BPF_ABS = 0x20;
    static final int BPF_JEQ = 0x10;
    static final int BPF_JGE = 0x30;
    static final int BPF_JSET = 0x40;
    static final int BPF_K = 0x00;

    // <linux/seccomp.h>: struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }
    static final int SECCOMP_DATA_NR = 0;
    static final int SECCOMP_DATA_ARCH = 4;
    static final int SECCOMP_DATA_ARGS = 16;
    static final int SECCOMP_SET_MODE_FILTER = 1;
    static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    static final int SECCOMP_RET_KILL_PROCESS = 0x80000000;
    static final int SECCOMP_RET_ERRNO = 0x00050000;
    static final int SECCOMP_RET_ALLOW = 0x7fff0000;
    /** <linux/audit.h>: AUDIT_ARCH_X86_64. */
    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    /** x32 system calls have this bit set in their number; the filter refuses them all. */
    static final int X32_SYSCALL_BIT = 0x40000000;

    // <sys/prctl.h>
    static final int PR_SET_NO_NEW_PRIVS = 38;
    static final int PR_GET_SECCOMP = 21;
    // <sched.h>
    static final int CLONE_THREAD = 0x00010000;
    // <errno.h>
    static final int ENOSYS = 38;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    // <sys/resource.h>
    static final int RLIMIT_CORE = 4;

    // <sys/socket.h>, <sys/un.h>
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int MSG_CTRUNC = 0x8;
    static final int SOCKADDR_UN_SIZE = 110;
    static final int SOCKADDR_UN_PATH = 2;
    static final int SOCKADDR_UN_PATH_MAX = 108;
    // struct msghdr
    static final int MSGHDR_SIZE = 56;
    static final int MSGHDR_NAME = 0;
    static final int MSGHDR_NAMELEN = 8;
    static final int MSGHDR_IOV = 16;
    static final int MSGHDR_IOVLEN = 24;
    static final int MSGHDR_CONTROL = 32;
    static final int MSGHDR_CONTROLLEN = 40;
    static final int MSGHDR_FLAGS = 48;
    // struct iovec
    static final int IOVEC_SIZE = 16;
    static final int IOVEC_BASE = 0;
    static final int IOVEC_LEN = 8;
    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then data: CMSG_LEN(n) = 16 + n
    static final int CMSGHDR_SIZE = 16;
    static final int CMSGHDR_LEN = 0;
    static final int CMSGHDR_LEVEL = 8;
    static final int CMSGHDR_TYPE = 12;

    // <fcntl.h>
    static final int O_RDONLY = 0;
    static final int O_DIRECTORY = 0x10000;
    static final int O_CLOEXEC = 0x80000;
    // <poll.h>: struct pollfd { int fd; short events; short revents; }
    static final int POLLFD_SIZE = 8;
    static final int POLLIN = 0x1;

    /** SCM_MAX_FD: the most descriptors one SCM_RIGHTS message may carry. */
    static final int SCM_MAX_FD = 253;
}
