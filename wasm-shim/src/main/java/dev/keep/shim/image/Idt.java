package dev.keep.shim.image;

/**
 * The keep's IDT: 64-bit interrupt gates for the 32 exception vectors, all into the ring-0 stubs.
 * Vectors 3 and 4 have DPL3 gates so {@code int3}/{@code into}-style traps from ring 3 reach their
 * stub (every other {@code int n} from ring 3 raises #GP, or #UD on PVM hosts). #DF and #MC run
 * on IST1, a stack that is good even when the fault came from a broken RSP0 stack. In an SEV-SNP
 * keep, #VC (29) goes to the #VC handler instead of its stub, on IST2.
 */
public final class Idt {
    private Idt() {
    }

    public static final int VECTORS = 32;
    public static final int GATE_SIZE = 16;
    public static final int LIMIT = VECTORS * GATE_SIZE - 1;
    public static final int TYPE_INTERRUPT_GATE = 0xE;
    public static final int VECTOR_BREAKPOINT = 3;
    public static final int VECTOR_OVERFLOW = 4;
    public static final int VECTOR_DOUBLE_FAULT = 8;
    public static final int VECTOR_MACHINE_CHECK = 18;
    /** #VC, raised instead of an exit to the hypervisor under SEV-ES/SNP. */
    public static final int VECTOR_VMM_COMMUNICATION = 29;
    /** IST index of the #VC gate in an SNP keep: a stack of its own (TSS.IST2). */
    public static final int IST_VMM_COMMUNICATION = 2;

    /** Gate DPL: 3 only where ring 3 may raise the vector itself. */
    public static int dpl(int vector) {
        return vector == VECTOR_BREAKPOINT || vector == VECTOR_OVERFLOW ? 3 : 0;
    }

    /** IST index: 1 for #DF and #MC, 0 (no stack switch beyond RSP0) for the rest. */
    public static int ist(int vector) {
        return vector == VECTOR_DOUBLE_FAULT || vector == VECTOR_MACHINE_CHECK ? 1 : 0;
    }

    /**
     * IST index in an SNP keep: as {@link #ist} and 2 for #VC, which can arrive while ring 0 runs on
     * any stack (a CPUID or an {@code out} in the fault stubs), so it never reuses the current one.
     */
    public static int snpIst(int vector) {
        return vector == VECTOR_VMM_COMMUNICATION ? IST_VMM_COMMUNICATION : ist(vector);
    }

    static void write(SystemArea area, long idtAddress, long[] handlers) {
        write(area, idtAddress, handlers, false);
    }

    static void write(SystemArea area, long idtAddress, long[] handlers, boolean snp) {
        for (int vector = 0; vector < VECTORS; vector++) {
            long handler = handlers[vector];
            int attributes = Gdt.PRESENT | dpl(vector) << 5 | TYPE_INTERRUPT_GATE;
            long low = (handler & 0xFFFF)
                    | (long) Gdt.KERNEL_CS << 16
                    | (long) (snp ? snpIst(vector) : ist(vector)) << 32
                    | (long) attributes << 40
                    | ((handler >>> 16) & 0xFFFF) << 48;
            area.putLong(idtAddress + (long) vector * GATE_SIZE, low);
            area.putLong(idtAddress + (long) vector * GATE_SIZE + 8, handler >>> 32);
        }
    }
}
