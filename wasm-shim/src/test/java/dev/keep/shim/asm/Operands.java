package dev.keep.shim.asm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Operand pools for the differential test, each with its Intel-syntax text. The text is written
 * here from the operand's parts, independently of the assembler, so GNU as parses what we mean.
 */
final class Operands {
    static final Width[] WIDTHS = Width.values();
    static final int[] SCALES = {1, 2, 4, 8};
    /** No displacement, disp8 edges, disp32 edges. */
    static final int[] DISPS = {0, 1, 127, 128, -128, -129, Integer.MAX_VALUE, Integer.MIN_VALUE};

    private Operands() {
    }

    /** A memory operand; rip-relative ones need the batch's labels, so they are made per batch. */
    record MemOperand(String text, Function<AsmCase.Targets, Mem> make) {
        Mem of(AsmCase.Targets targets) {
            return make.apply(targets);
        }
    }

    static List<Gpr> gprs(Width w) {
        List<Gpr> regs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            regs.add(Gpr.of(i, w));
        }
        return regs;
    }

    static List<Xmm> xmms() {
        List<Xmm> regs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            regs.add(Xmm.of(i));
        }
        return regs;
    }

    /** Size keyword GNU as wants in front of a memory operand of width w. */
    static String ptr(Width w) {
        return w.name().toUpperCase(Locale.ROOT) + " PTR ";
    }

    static String sized(Width w, MemOperand m) {
        return ptr(w) + m.text();
    }

    /** Every base with every displacement edge, every base/index pair, every scale, no-base, rip. */
    static List<MemOperand> allMems() {
        List<MemOperand> mems = new ArrayList<>();
        for (Gpr base : gprs(Width.QWORD)) {
            for (int d : DISPS) {
                mems.add(fixed(Mem.base(base).disp(d)));
            }
        }
        int k = 0;
        for (Gpr base : gprs(Width.QWORD)) {
            for (Gpr index : gprs(Width.QWORD)) {
                if (index.index() == 4) {
                    continue;
                }
                k++;
                mems.add(fixed(Mem.base(base, index, SCALES[k % 4]).disp(DISPS[(k * 3) % DISPS.length])));
            }
        }
        for (Gpr index : gprs(Width.QWORD)) {
            if (index.index() != 4) {
                k++;
                mems.add(fixed(Mem.indexOnly(index, SCALES[k % 4]).disp(DISPS[k % DISPS.length])));
            }
        }
        for (int s : SCALES) {
            mems.add(fixed(Mem.base(Reg.RAX, Reg.RCX, s)));
            mems.add(fixed(Mem.base(Reg.R13, Reg.R12, s).disp(127)));
            mems.add(fixed(Mem.base(Reg.RSP, Reg.R13, s).disp(-129)));
        }
        mems.addAll(absoluteAndRip());
        return mems;
    }

    /** The special cases only: rsp/rbp/r12/r13 bases, disp edges, REX index, no base, rip. */
    static List<MemOperand> someMems() {
        List<MemOperand> mems = new ArrayList<>();
        mems.add(fixed(Mem.base(Reg.RAX)));
        mems.add(fixed(Mem.base(Reg.RCX).disp(1)));
        mems.add(fixed(Mem.base(Reg.RSP)));
        mems.add(fixed(Mem.base(Reg.RSP).disp(8)));
        mems.add(fixed(Mem.base(Reg.RBP)));
        mems.add(fixed(Mem.base(Reg.RBP).disp(-128)));
        mems.add(fixed(Mem.base(Reg.R12)));
        mems.add(fixed(Mem.base(Reg.R12).disp(127)));
        mems.add(fixed(Mem.base(Reg.R13)));
        mems.add(fixed(Mem.base(Reg.R13).disp(128)));
        mems.add(fixed(Mem.base(Reg.R15).disp(-129)));
        mems.add(fixed(Mem.base(Reg.RDI).disp(Integer.MAX_VALUE)));
        mems.add(fixed(Mem.base(Reg.R8, Reg.RCX, 2)));
        mems.add(fixed(Mem.base(Reg.RSP, Reg.RBP, 1).disp(8)));
        mems.add(fixed(Mem.base(Reg.RBP, Reg.R12, 8).disp(-300)));
        mems.add(fixed(Mem.base(Reg.R13, Reg.R13, 4)));
        mems.add(fixed(Mem.base(Reg.R12, Reg.RAX, 8).disp(1)));
        mems.add(fixed(Mem.base(Reg.RBX, Reg.R15, 1).disp(0x12345)));
        mems.add(fixed(Mem.indexOnly(Reg.RSI, 8).disp(64)));
        mems.add(fixed(Mem.indexOnly(Reg.R9, 2)));
        mems.addAll(absoluteAndRip());
        return mems;
    }

    private static List<MemOperand> absoluteAndRip() {
        List<MemOperand> mems = new ArrayList<>();
        mems.add(fixed(Mem.abs(0x1000)));
        mems.add(fixed(Mem.abs(0)));
        mems.add(fixed(Mem.abs(-8)));
        mems.add(fixed(Mem.abs(Integer.MAX_VALUE)));
        mems.add(new MemOperand("[rip+Lback]", t -> Mem.rip(t.back())));
        mems.add(new MemOperand("[rip+Lback-129]", t -> Mem.rip(t.back()).disp(-129)));
        mems.add(new MemOperand("[rip+Lfwd]", t -> Mem.rip(t.forward())));
        mems.add(new MemOperand("[rip+Lfwd+200]", t -> Mem.rip(t.forward()).disp(200)));
        return mems;
    }

    static MemOperand fixed(Mem m) {
        return new MemOperand(text(m), t -> m);
    }

    /** Intel syntax of a non-rip memory operand. */
    static String text(Mem m) {
        StringBuilder sb = new StringBuilder("[");
        if (m.baseReg() != null) {
            sb.append(m.baseReg().name());
        }
        if (m.indexReg() != null) {
            if (m.baseReg() != null) {
                sb.append('+');
            }
            sb.append(m.indexReg().name()).append('*').append(m.scale());
        }
        long d = m.displacement();
        if (m.baseReg() == null && m.indexReg() == null) {
            sb.append(d);
        } else if (d != 0) {
            sb.append(d < 0 ? "-" : "+").append(Math.abs(d));
        }
        return sb.append(']').toString();
    }

    /** Immediate edges for an operation of width w (values it accepts, signed and unsigned). */
    static long[] imms(Width w) {
        return switch (w) {
            case BYTE -> new long[] {0, 1, 127, 128, 255, -1, -128};
            case WORD -> new long[] {0, 1, 127, 128, -128, -129, 0x7FFF, 0x8000, 0xFFFF, -0x8000};
            case DWORD -> new long[] {0, 1, 127, 128, -128, -129, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL,
                Integer.MIN_VALUE};
            case QWORD -> new long[] {0, 1, 127, 128, -128, -129, Integer.MAX_VALUE, Integer.MIN_VALUE};
        };
    }

    /** Immediate text: decimal (GNU as reads 64-bit values as unsigned hex only, so big ones in hex). */
    static String imm(long v) {
        if (v == (int) v) {
            return Long.toString(v);
        }
        return "0x" + Long.toHexString(v);
    }
}
