package dev.keep.loader.jail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.testsupport.CProgram;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks the jail's struct layouts, constants and system call numbers against the C headers: a C
 * program generated from the Java values (every rule of {@link RunnerSyscalls} included, so a new
 * rule is checked without editing this test) is compiled with gcc and prints what C says.
 */
class JailAbiTest {
    @TempDir
    Path dir;

    private static Map<String, Long> expected() {
        Map<String, Long> checks = new LinkedHashMap<>();
        checks.put("sizeof(struct sock_filter)", (long) JailAbi.SOCK_FILTER_SIZE);
        checks.put("offsetof(struct sock_filter, code)", (long) JailAbi.SOCK_FILTER_CODE);
        checks.put("offsetof(struct sock_filter, jt)", (long) JailAbi.SOCK_FILTER_JT);
        checks.put("offsetof(struct sock_filter, jf)", (long) JailAbi.SOCK_FILTER_JF);
        checks.put("offsetof(struct sock_filter, k)", (long) JailAbi.SOCK_FILTER_K);
        checks.put("sizeof(struct sock_fprog)", (long) JailAbi.SOCK_FPROG_SIZE);
        checks.put("offsetof(struct sock_fprog, len)", (long) JailAbi.SOCK_FPROG_LEN);
        checks.put("offsetof(struct sock_fprog, filter)", (long) JailAbi.SOCK_FPROG_FILTER);
        checks.put("BPF_MAXINSNS", (long) JailAbi.BPF_MAXINSNS);
        checks.put("BPF_LD", (long) JailAbi.BPF_LD);
        checks.put("BPF_JMP", (long) JailAbi.BPF_JMP);
        checks.put("BPF_RET", (long) JailAbi.BPF_RET);
        checks.put("BPF_W", (long) JailAbi.BPF_W);
        checks.put("BPF_ABS", (long) JailAbi.BPF_ABS);
        checks.put("BPF_JEQ", (long) JailAbi.BPF_JEQ);
        checks.put("BPF_JGE", (long) JailAbi.BPF_JGE);
        checks.put("BPF_JSET", (long) JailAbi.BPF_JSET);
        checks.put("BPF_K", (long) JailAbi.BPF_K);
        checks.put("offsetof(struct seccomp_data, nr)", (long) JailAbi.SECCOMP_DATA_NR);
        checks.put("offsetof(struct seccomp_data, arch)", (long) JailAbi.SECCOMP_DATA_ARCH);
        checks.put("offsetof(struct seccomp_data, args)", (long) JailAbi.SECCOMP_DATA_ARGS);
        checks.put("SECCOMP_SET_MODE_FILTER", (long) JailAbi.SECCOMP_SET_MODE_FILTER);
        checks.put("SECCOMP_FILTER_FLAG_TSYNC", (long) JailAbi.SECCOMP_FILTER_FLAG_TSYNC);
        checks.put("(unsigned)SECCOMP_RET_KILL_PROCESS", Integer.toUnsignedLong(JailAbi.SECCOMP_RET_KILL_PROCESS));
        checks.put("SECCOMP_RET_ERRNO", (long) JailAbi.SECCOMP_RET_ERRNO);
        checks.put("SECCOMP_RET_ALLOW", (long) JailAbi.SECCOMP_RET_ALLOW);
        checks.put("(unsigned)AUDIT_ARCH_X86_64", Integer.toUnsignedLong(JailAbi.AUDIT_ARCH_X86_64));
        checks.put("__X32_SYSCALL_BIT", (long) JailAbi.X32_SYSCALL_BIT);
        checks.put("PR_SET_NO_NEW_PRIVS", (long) JailAbi.PR_SET_NO_NEW_PRIVS);
        checks.put("PR_GET_SECCOMP", (long) JailAbi.PR_GET_SECCOMP);
        checks.put("PR_SET_NAME", (long) RunnerSyscalls.PR_SET_NAME);
        checks.put("PR_GET_NAME", (long) RunnerSyscalls.PR_GET_NAME);
        checks.put("TCGETS", (long) RunnerSyscalls.TCGETS);
        checks.put("FIONREAD", (long) RunnerSyscalls.FIONREAD);
        checks.put("CLONE_THREAD", (long) JailAbi.CLONE_THREAD);
        checks.put("ENOSYS", (long) JailAbi.ENOSYS);
        checks.put("EINTR", (long) JailAbi.EINTR);
        checks.put("EAGAIN", (long) JailAbi.EAGAIN);
        checks.put("RLIMIT_CORE", (long) JailAbi.RLIMIT_CORE);
        checks.put("AF_UNIX", (long) JailAbi.AF_UNIX);
        checks.put("SOCK_STREAM", (long) JailAbi.SOCK_STREAM);
        checks.put("SOCK_CLOEXEC", (long) JailAbi.SOCK_CLOEXEC);
        checks.put("SOL_SOCKET", (long) JailAbi.SOL_SOCKET);
        checks.put("SCM_RIGHTS", (long) JailAbi.SCM_RIGHTS);
        checks.put("MSG_CMSG_CLOEXEC", (long) JailAbi.MSG_CMSG_CLOEXEC);
        checks.put("MSG_CTRUNC", (long) JailAbi.MSG_CTRUNC);
        checks.put("sizeof(struct sockaddr_un)", (long) JailAbi.SOCKADDR_UN_SIZE);
        checks.put("offsetof(struct sockaddr_un, sun_path)", (long) JailAbi.SOCKADDR_UN_PATH);
        checks.put("sizeof(((struct sockaddr_un *)0)->sun_path)", (long) JailAbi.SOCKADDR_UN_PATH_MAX);
        checks.put("sizeof(struct msghdr)", (long) JailAbi.MSGHDR_SIZE);
        checks.put("offsetof(struct msghdr, msg_name)", (long) JailAbi.MSGHDR_NAME);
        checks.put("offsetof(struct msghdr, msg_namelen)", (long) JailAbi.MSGHDR_NAMELEN);
        checks.put("offsetof(struct msghdr, msg_iov)", (long) JailAbi.MSGHDR_IOV);
        checks.put("offsetof(struct msghdr, msg_iovlen)", (long) JailAbi.MSGHDR_IOVLEN);
        checks.put("offsetof(struct msghdr, msg_control)", (long) JailAbi.MSGHDR_CONTROL);
        checks.put("offsetof(struct msghdr, msg_controllen)", (long) JailAbi.MSGHDR_CONTROLLEN);
        checks.put("offsetof(struct msghdr, msg_flags)", (long) JailAbi.MSGHDR_FLAGS);
        checks.put("sizeof(struct iovec)", (long) JailAbi.IOVEC_SIZE);
        checks.put("offsetof(struct iovec, iov_base)", (long) JailAbi.IOVEC_BASE);
        checks.put("offsetof(struct iovec, iov_len)", (long) JailAbi.IOVEC_LEN);
        checks.put("sizeof(struct cmsghdr)", (long) JailAbi.CMSGHDR_SIZE);
        checks.put("CMSG_LEN(0)", (long) JailAbi.CMSGHDR_SIZE);
        checks.put("offsetof(struct cmsghdr, cmsg_len)", (long) JailAbi.CMSGHDR_LEN);
        checks.put("offsetof(struct cmsghdr, cmsg_level)", (long) JailAbi.CMSGHDR_LEVEL);
        checks.put("offsetof(struct cmsghdr, cmsg_type)", (long) JailAbi.CMSGHDR_TYPE);
        checks.put("O_RDONLY", (long) JailAbi.O_RDONLY);
        checks.put("O_DIRECTORY", (long) JailAbi.O_DIRECTORY);
        checks.put("O_CLOEXEC", (long) JailAbi.O_CLOEXEC);
        checks.put("sizeof(struct pollfd)", (long) JailAbi.POLLFD_SIZE);
        checks.put("POLLIN", (long) JailAbi.POLLIN);
        checks.put("SCM_MAX_FD", (long) JailAbi.SCM_MAX_FD);
        checks.put("__NR_seccomp", (long) SeccompInstaller.NR_SECCOMP);
        for (SeccompRule rule : RunnerSyscalls.rules()) {
            checks.put("__NR_" + rule.name(), (long) rule.number());
        }
        return checks;
    }

    @Test
    void javaValuesMatchTheCHeaders() {
        Map<String, Long> checks = expected();
        StringBuilder c = new StringBuilder("""
                #define _GNU_SOURCE
                #include <stddef.h>
                #include <stdio.h>
                #include <errno.h>
                #include <fcntl.h>
                #include <poll.h>
                #include <sched.h>
                #include <sys/ioctl.h>
                #include <sys/prctl.h>
                #include <sys/resource.h>
                #include <sys/socket.h>
                #include <sys/syscall.h>
                #include <sys/uio.h>
                #include <sys/un.h>
                #include <linux/audit.h>
                #include <linux/filter.h>
                #include <linux/seccomp.h>
                #include <asm/unistd.h>
                /* SCM_MAX_FD lives in the kernel's include/net/scm.h, not in the uAPI. */
                #define SCM_MAX_FD 253
                int main(void) {
                """);
        for (String expression : checks.keySet()) {
            c.append("    printf(\"%llu\\n\", (unsigned long long)(").append(expression).append("));\n");
        }
        c.append("    return 0;\n}\n");
        List<String> printed = CProgram.run(dir, "jail_abi", c.toString());
        assertEquals(checks.size(), printed.size(), "one line per check");
        List<String> mismatches = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, Long> check : checks.entrySet()) {
            long cValue = Long.parseUnsignedLong(printed.get(i++));
            if (cValue != check.getValue()) {
                mismatches.add(check.getKey() + ": C says " + cValue + ", Java says " + check.getValue());
            }
        }
        assertTrue(mismatches.isEmpty(), String.join("\n", mismatches));
    }
}
