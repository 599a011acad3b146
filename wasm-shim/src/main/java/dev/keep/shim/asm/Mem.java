package dev.keep.shim.asm;

/**
 * A memory operand: {@code [base + index*scale + disp]}, {@code [index*scale + disp]}, an absolute
 * {@code [disp32]}, or {@code [rip + label + disp]}. Immutable; each builder call returns a new value.
 * Addresses are always 64-bit (no 0x67 prefix). The encoder chooses no displacement, disp8 or disp32
 * from the value, as GNU as does.
 */
public final class Mem implements GprOrMem, XmmOrMem {
    private final Gpr base;
    private final Gpr index;
    private final int scale;
    private final int disp;
    private final Label ripTarget;
    /** 0 = smallest, 1 = force disp8, 4 = force disp32; only the canonical long NOPs force one. */
    private final int forcedDispBytes;

    private Mem(Gpr base, Gpr index, int scale, int disp, Label ripTarget, int forcedDispBytes) {
        this.base = base;
        this.index = index;
        this.scale = scale;
        this.disp = disp;
        this.ripTarget = ripTarget;
        this.forcedDispBytes = forcedDispBytes;
    }

    /** {@code [base]}. */
    public static Mem base(Gpr base) {
        return new Mem(checkAddressReg(base, "base"), null, 1, 0, null, 0);
    }

    /** {@code [base + index*scale]}. */
    public static Mem base(Gpr base, Gpr index, int scale) {
        return base(base).index(index, scale);
    }

    /** {@code [index*scale]} with no base register (always carries a disp32). */
    public static Mem indexOnly(Gpr index, int scale) {
        return new Mem(null, checkIndex(index), checkScale(scale), 0, null, 0);
    }

    /** Absolute {@code [disp32]} (sign-extended to 64 bits). */
    public static Mem abs(int address) {
        return new Mem(null, null, 1, address, null, 0);
    }

    /** {@code [rip + label]}: position-independent reference to code or data in the same assembler. */
    public static Mem rip(Label target) {
        if (target == null) {
            throw new IllegalArgumentException("rip-relative operand needs a label");
        }
        return new Mem(null, null, 1, 0, target, 0);
    }

    /** Adds (replaces) the index register. */
    public Mem index(Gpr newIndex, int newScale) {
        if (ripTarget != null) {
            throw new IllegalArgumentException("a rip-relative operand cannot have an index register");
        }
        return new Mem(base, checkIndex(newIndex), checkScale(newScale), disp, null, forcedDispBytes);
    }

    /** Sets the displacement (for rip-relative operands: an addend to the label). */
    public Mem disp(int newDisp) {
        return new Mem(base, index, scale, newDisp, ripTarget, forcedDispBytes);
    }

    Mem forceDisp8() {
        return new Mem(base, index, scale, disp, ripTarget, 1);
    }

    Mem forceDisp32() {
        return new Mem(base, index, scale, disp, ripTarget, 4);
    }

    public Gpr baseReg() {
        return base;
    }

    public Gpr indexReg() {
        return index;
    }

    public int scale() {
        return scale;
    }

    public int displacement() {
        return disp;
    }

    /** The label of a rip-relative operand, or null. */
    public Label ripTarget() {
        return ripTarget;
    }

    public boolean isRipRelative() {
        return ripTarget != null;
    }

    int forcedDispBytes() {
        return forcedDispBytes;
    }

    private static Gpr checkAddressReg(Gpr reg, String role) {
        if (reg == null) {
            throw new IllegalArgumentException("memory " + role + " register is null");
        }
        if (reg.width() != Width.QWORD) {
            throw new IllegalArgumentException("memory " + role + " register must be 64-bit, got " + reg);
        }
        return reg;
    }

    private static Gpr checkIndex(Gpr index) {
        checkAddressReg(index, "index");
        if (index.index() == 4) {
            throw new IllegalArgumentException("rsp cannot be an index register");
        }
        return index;
    }

    private static int checkScale(int scale) {
        if (scale != 1 && scale != 2 && scale != 4 && scale != 8) {
            throw new IllegalArgumentException("scale must be 1, 2, 4 or 8, got " + scale);
        }
        return scale;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        if (ripTarget != null) {
            sb.append("rip+").append(ripTarget);
        }
        if (base != null) {
            sb.append(base.name());
        }
        if (index != null) {
            sb.append(base != null ? "+" : "").append(index.name()).append('*').append(scale);
        }
        if (disp != 0 || (base == null && index == null && ripTarget == null)) {
            sb.append(disp < 0 ? "-" : (sb.length() > 1 ? "+" : "")).append(Math.abs((long) disp));
        }
        return sb.append(']').toString();
    }
}
