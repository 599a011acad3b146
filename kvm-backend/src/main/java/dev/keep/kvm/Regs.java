package dev.keep.kvm;

import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.StringJoiner;

/**
 * An immutable snapshot of a vCPU's general-purpose registers, RIP and RFLAGS (struct kvm_regs).
 * Change one register with {@link #with}; every other value is carried over.
 */
public final class Regs {

    /** The registers of struct kvm_regs, in the struct's order. */
    public enum Reg {
        RAX, RBX, RCX, RDX, RSI, RDI, RSP, RBP,
        R8, R9, R10, R11, R12, R13, R14, R15,
        RIP, RFLAGS;

        private final VarHandle handle = KvmStructs.KVM_REGS.varHandle(
                PathElement.groupElement(cName()));

        /** The field's name in struct kvm_regs. */
        public String cName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** RFLAGS bit 1 is reserved and always reads as 1; a valid RFLAGS value has it set. */
    public static final long RFLAGS_RESERVED = 0x2;

    /** All registers zero except RFLAGS, which holds only its always-one bit. */
    public static final Regs INITIAL = new Regs(new long[Reg.values().length])
            .with(Reg.RFLAGS, RFLAGS_RESERVED);

    private final long[] values;

    private Regs(long[] values) {
        this.values = values;
    }

    public long get(Reg reg) {
        return values[reg.ordinal()];
    }

    /** A copy with one register changed. */
    public Regs with(Reg reg, long value) {
        long[] copy = values.clone();
        copy[reg.ordinal()] = value;
        return new Regs(copy);
    }

    static Regs read(MemorySegment kvmRegs) {
        long[] values = new long[Reg.values().length];
        for (Reg reg : Reg.values()) {
            values[reg.ordinal()] = (long) reg.handle.get(kvmRegs, 0L);
        }
        return new Regs(values);
    }

    void write(MemorySegment kvmRegs) {
        for (Reg reg : Reg.values()) {
            reg.handle.set(kvmRegs, 0L, values[reg.ordinal()]);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Regs that && Arrays.equals(values, that.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringJoiner text = new StringJoiner(" ", "Regs[", "]");
        for (Reg reg : Reg.values()) {
            text.add(reg.cName() + "=0x" + Long.toHexString(values[reg.ordinal()]));
        }
        return text.toString();
    }
}
