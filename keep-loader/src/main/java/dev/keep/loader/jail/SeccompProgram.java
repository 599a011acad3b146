package dev.keep.loader.jail;

import static dev.keep.loader.jail.JailAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * A classic-BPF seccomp program compiled from {@link SeccompRule}s: anything other than x86-64 (and
 * the x32 ABI) is killed, each rule's system call gets its verdict, every other call kills the whole
 * process ({@code SECCOMP_RET_KILL_PROCESS}). Each rule is a short block that ends in a return, so
 * every jump is short (BPF jump offsets are 8-bit) however long the list.
 */
final class SeccompProgram {
    /** One {@code struct sock_filter}. */
    record Instruction(int code, int jt, int jf, int k) {}

    private final List<Instruction> instructions;

    private SeccompProgram(List<Instruction> instructions) {
        this.instructions = List.copyOf(instructions);
    }

    List<Instruction> instructions() {
        return instructions;
    }

    static SeccompProgram compile(List<SeccompRule> rules) {
        List<Instruction> out = new ArrayList<>();
        out.add(load(SECCOMP_DATA_ARCH));
        out.add(jump(BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0));
        out.add(ret(SECCOMP_RET_KILL_PROCESS));
        out.add(load(SECCOMP_DATA_NR));
        out.add(jump(BPF_JGE, X32_SYSCALL_BIT, 0, 1));
        out.add(ret(SECCOMP_RET_KILL_PROCESS));
        for (SeccompRule rule : rules) {
            List<Instruction> body = body(rule);
            out.add(jump(BPF_JEQ, rule.number(), 0, body.size()));
            out.addAll(body);
        }
        out.add(ret(SECCOMP_RET_KILL_PROCESS));
        if (out.size() > BPF_MAXINSNS) {
            throw new IllegalStateException("seccomp program of " + out.size() + " instructions exceeds " + BPF_MAXINSNS);
        }
        return new SeccompProgram(out);
    }

    /** The instructions after a rule's "is it this call?" test; they always end in a return. */
    private static List<Instruction> body(SeccompRule rule) {
        List<Instruction> body = new ArrayList<>();
        switch (rule) {
            case SeccompRule.Allow a -> body.add(ret(SECCOMP_RET_ALLOW));
            case SeccompRule.Fail f -> body.add(ret(SECCOMP_RET_ERRNO | f.errno()));
            case SeccompRule.AllowArgIn in -> {
                body.add(load(argLow(in.argIndex())));
                for (int value : in.values()) {
                    body.add(jump(BPF_JEQ, value, 0, 1));
                    body.add(ret(SECCOMP_RET_ALLOW));
                }
                body.add(ret(SECCOMP_RET_ERRNO | in.errno()));
            }
            case SeccompRule.AllowArgBits bits -> {
                body.add(load(argLow(bits.argIndex())));
                body.add(jump(BPF_JSET, bits.bits(), 0, 1));
                // JSET tests "any bit"; the rules use single-bit masks, where any equals all.
                body.add(ret(SECCOMP_RET_ALLOW));
                body.add(ret(SECCOMP_RET_KILL_PROCESS));
            }
        }
        return body;
    }

    /** Offset of the low 32 bits of argument {@code index} in seccomp_data (x86-64 is little-endian). */
    private static int argLow(int index) {
        return SECCOMP_DATA_ARGS + 8 * index;
    }

    private static Instruction load(int offset) {
        return new Instruction(BPF_LD | BPF_W | BPF_ABS, 0, 0, offset);
    }

    private static Instruction jump(int test, int k, int jt, int jf) {
        if (jt > 255 || jf > 255) {
            throw new IllegalStateException("BPF jump too long: " + Math.max(jt, jf));
        }
        return new Instruction(BPF_JMP | test | BPF_K, jt, jf, k);
    }

    private static Instruction ret(int verdict) {
        return new Instruction(BPF_RET | BPF_K, 0, 0, verdict);
    }

    /** The program as an array of {@code struct sock_filter} in {@code arena}. */
    MemorySegment toFilterArray(Arena arena) {
        MemorySegment filter = arena.allocate((long) SOCK_FILTER_SIZE * instructions.size(), 8);
        for (int i = 0; i < instructions.size(); i++) {
            Instruction ins = instructions.get(i);
            long base = (long) i * SOCK_FILTER_SIZE;
            filter.set(ValueLayout.JAVA_SHORT, base + SOCK_FILTER_CODE, (short) ins.code());
            filter.set(ValueLayout.JAVA_BYTE, base + SOCK_FILTER_JT, (byte) ins.jt());
            filter.set(ValueLayout.JAVA_BYTE, base + SOCK_FILTER_JF, (byte) ins.jf());
            filter.set(ValueLayout.JAVA_INT, base + SOCK_FILTER_K, ins.k());
        }
        return filter;
    }
}
