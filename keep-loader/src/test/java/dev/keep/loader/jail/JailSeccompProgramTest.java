package dev.keep.loader.jail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs the runner's compiled filter on a small classic-BPF evaluator (the subset the program uses) to
 * check each verdict; the kernel's own evaluation is covered by the jailed runs in the other tests.
 */
class JailSeccompProgramTest {
    private static final int X86_64 = JailAbi.AUDIT_ARCH_X86_64;
    private static final int KILL = JailAbi.SECCOMP_RET_KILL_PROCESS;
    private static final int ALLOW = JailAbi.SECCOMP_RET_ALLOW;
    private static final SeccompProgram PROGRAM = SeccompProgram.compile(RunnerSyscalls.rules());

    /** What the filter answers for system call {@code nr} with {@code args}, as the kernel would evaluate it. */
    private static int verdict(int arch, int nr, long... args) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(JailAbi.SECCOMP_DATA_NR, nr).putInt(JailAbi.SECCOMP_DATA_ARCH, arch);
        for (int i = 0; i < args.length; i++) {
            data.putLong(JailAbi.SECCOMP_DATA_ARGS + 8 * i, args[i]);
        }
        List<SeccompProgram.Instruction> code = PROGRAM.instructions();
        int accumulator = 0;
        for (int pc = 0; pc < code.size(); pc++) {
            SeccompProgram.Instruction ins = code.get(pc);
            switch (ins.code()) {
                case JailAbi.BPF_LD | JailAbi.BPF_W | JailAbi.BPF_ABS -> accumulator = data.getInt(ins.k());
                case JailAbi.BPF_RET | JailAbi.BPF_K -> {
                    return ins.k();
                }
                case JailAbi.BPF_JMP | JailAbi.BPF_JEQ | JailAbi.BPF_K -> pc += accumulator == ins.k() ? ins.jt() : ins.jf();
                case JailAbi.BPF_JMP | JailAbi.BPF_JGE | JailAbi.BPF_K ->
                        pc += Integer.compareUnsigned(accumulator, ins.k()) >= 0 ? ins.jt() : ins.jf();
                case JailAbi.BPF_JMP | JailAbi.BPF_JSET | JailAbi.BPF_K -> pc += (accumulator & ins.k()) != 0 ? ins.jt() : ins.jf();
                default -> throw new AssertionError("unexpected opcode " + ins.code());
            }
        }
        throw new AssertionError("the program fell off its end");
    }

    @Test
    void everyAllowedCallIsAllowed() {
        for (SeccompRule rule : RunnerSyscalls.rules()) {
            if (rule instanceof SeccompRule.Allow) {
                assertEquals(ALLOW, verdict(X86_64, rule.number()), rule.name());
            }
        }
    }

    @Test
    void processCreationExecAndNetworkingKill() {
        assertEquals(KILL, verdict(X86_64, 59), "execve");
        assertEquals(KILL, verdict(X86_64, 322), "execveat");
        assertEquals(KILL, verdict(X86_64, 42), "connect");
        assertEquals(KILL, verdict(X86_64, 49), "bind");
        assertEquals(KILL, verdict(X86_64, 50), "listen");
        assertEquals(KILL, verdict(X86_64, 43), "accept (the handed-over listeners take accept4)");
        assertEquals(KILL, verdict(X86_64, 57), "fork");
        assertEquals(KILL, verdict(X86_64, 101), "ptrace");
        assertEquals(KILL, verdict(X86_64, 165), "mount");
        assertEquals(KILL, verdict(X86_64, 272), "unshare");
        assertEquals(KILL, verdict(X86_64, 321), "bpf");
        assertEquals(KILL, verdict(X86_64, 62), "kill");
    }

    @Test
    void theHandedOverSocketsCanAcceptReceiveAndSend() {
        assertEquals(ALLOW, verdict(X86_64, 288), "accept4");
        assertEquals(ALLOW, verdict(X86_64, 45), "recvfrom");
        assertEquals(ALLOW, verdict(X86_64, 44), "sendto");
    }

    @Test
    void cloneIsAllowedForThreadsOnly() {
        assertEquals(ALLOW, verdict(X86_64, 56, 0x3d0f00), "clone of a thread (glibc's pthread flags)");
        assertEquals(KILL, verdict(X86_64, 56, 0x11), "clone as fork (SIGCHLD only)");
        assertEquals(JailAbi.SECCOMP_RET_ERRNO | JailAbi.ENOSYS, verdict(X86_64, 435), "clone3 falls back to clone");
    }

    @Test
    void prctlAndIoctlAreNarrowed() {
        assertEquals(ALLOW, verdict(X86_64, 157, RunnerSyscalls.PR_SET_NAME), "prctl(PR_SET_NAME)");
        assertEquals(JailAbi.SECCOMP_RET_ERRNO | 22, verdict(X86_64, 157, JailAbi.PR_SET_NO_NEW_PRIVS - 1), "other prctl");
        assertEquals(ALLOW, verdict(X86_64, 16, 0, RunnerSyscalls.TCGETS), "ioctl(TCGETS)");
        assertEquals(JailAbi.SECCOMP_RET_ERRNO | 25, verdict(X86_64, 16, 0, 0x4B3A), "ioctl(KDSETMODE)");
        assertEquals(JailAbi.SECCOMP_RET_ERRNO | 13, verdict(X86_64, 41, 2, 1), "socket");
    }

    @Test
    void otherArchitecturesAndX32AreKilled() {
        assertEquals(KILL, verdict(0x40000003, 0), "i386 read");
        assertEquals(KILL, verdict(X86_64, JailAbi.X32_SYSCALL_BIT), "x32 read");
        assertEquals(KILL, verdict(X86_64, 10_000), "a number no rule names");
    }

    @Test
    void theProgramFitsTheKernelsLimitAndEveryJumpStaysInside() {
        List<SeccompProgram.Instruction> code = PROGRAM.instructions();
        assertTrue(code.size() <= JailAbi.BPF_MAXINSNS);
        for (int pc = 0; pc < code.size(); pc++) {
            SeccompProgram.Instruction ins = code.get(pc);
            if ((ins.code() & 0x07) == JailAbi.BPF_JMP) {
                assertTrue(pc + 1 + Math.max(ins.jt(), ins.jf()) < code.size(), "jump at " + pc);
            }
        }
    }
}
