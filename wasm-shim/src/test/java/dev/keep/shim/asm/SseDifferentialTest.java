package dev.keep.shim.asm;

import static dev.keep.shim.asm.Operands.gprs;
import static dev.keep.shim.asm.Operands.ptr;
import static dev.keep.shim.asm.Operands.xmms;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** SSE2 / SSSE3 / SSE4.1 instructions against GNU as. */
class SseDifferentialTest {
    private static final int[] IMM8S = {0, 1, 0x1B, 0x80, 0xFF};

    /**
     * Every instruction of the SseOp table through its named method (found by mnemonic), with all 256
     * register pairs and every special memory form.
     */
    @Test
    void tableInstructions() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        List<Operands.MemOperand> mems = Operands.someMems();
        for (SseOp op : SseOp.values()) {
            Method named = namedMethod(op);
            int k = op.ordinal();
            for (Xmm d : xmms()) {
                for (Xmm s : xmms()) {
                    cases.add(tableCase(op, named, d, s.name(), t -> s, IMM8S[(d.index() + s.index() + k) % IMM8S.length]));
                }
            }
            if (!op.registerSourceOnly()) {
                for (int i = 0; i < mems.size(); i++) {
                    Operands.MemOperand m = mems.get(i);
                    Xmm d = Xmm.of((i * 5 + k) % 16);
                    cases.add(tableCase(op, named, d, m.text(), m::of, IMM8S[i % IMM8S.length]));
                }
            }
        }
        DifferentialRunner.check("SSE table", cases);
    }

    /** The generic entry point encodes exactly like the named methods. */
    @Test
    void genericEntryPoint() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        for (SseOp op : SseOp.values()) {
            String text = op.mnemonic() + " xmm9, xmm2" + (op.takesImm8() ? ", 3" : "") + blendvTail(op);
            if (op.takesImm8()) {
                cases.add(new AsmCase(text, (a, t) -> a.sse(op, Reg.XMM9, Reg.XMM2, 3)));
            } else {
                cases.add(new AsmCase(text, (a, t) -> a.sse(op, Reg.XMM9, Reg.XMM2)));
            }
        }
        DifferentialRunner.check("SSE generic", cases);
    }

    private static AsmCase tableCase(SseOp op, Method named, Xmm dst, String srcText,
                                     java.util.function.Function<AsmCase.Targets, XmmOrMem> src, int imm) {
        String text = op.mnemonic() + " " + dst + ", " + srcText + (op.takesImm8() ? ", " + imm : "")
            + blendvTail(op);
        return new AsmCase(text, (a, t) -> {
            try {
                if (op.takesImm8()) {
                    named.invoke(a, dst, src.apply(t), imm);
                } else {
                    named.invoke(a, dst, src.apply(t));
                }
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            } catch (InvocationTargetException e) {
                throw (RuntimeException) e.getCause();
            }
        });
    }

    private static String blendvTail(SseOp op) {
        return op == SseOp.BLENDVPS || op == SseOp.BLENDVPD || op == SseOp.PBLENDVB ? ", xmm0" : "";
    }

    private static Method namedMethod(SseOp op) throws NoSuchMethodException {
        Class<?> src = op.registerSourceOnly() ? Xmm.class : XmmOrMem.class;
        return op.takesImm8()
            ? Assembler.class.getMethod(op.mnemonic(), Xmm.class, src, int.class)
            : Assembler.class.getMethod(op.mnemonic(), Xmm.class, src);
    }

    interface XmmLoad {
        void emit(Assembler a, Xmm dst, XmmOrMem src);
    }

    interface XmmStore {
        void emit(Assembler a, Mem dst, Xmm src);
    }

    @Test
    void moves() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        String[] names = {"movss", "movsd", "movups", "movupd", "movaps", "movapd", "movdqa", "movdqu", "movq"};
        XmmLoad[] loads = {Assembler::movss, Assembler::movsd, Assembler::movups, Assembler::movupd,
            Assembler::movaps, Assembler::movapd, Assembler::movdqa, Assembler::movdqu, Assembler::movq};
        XmmStore[] stores = {Assembler::movss, Assembler::movsd, Assembler::movups, Assembler::movupd,
            Assembler::movaps, Assembler::movapd, Assembler::movdqa, Assembler::movdqu, Assembler::movq};
        for (int n = 0; n < names.length; n++) {
            String name = names[n];
            XmmLoad load = loads[n];
            XmmStore store = stores[n];
            for (Xmm d : xmms()) {
                for (Xmm s : xmms()) {
                    cases.add(new AsmCase(name + " " + d + ", " + s, (a, t) -> load.emit(a, d, s)));
                }
            }
            // movdqu gets every addressing form, the others the special ones.
            List<Operands.MemOperand> mems = name.equals("movdqu") ? Operands.allMems() : Operands.someMems();
            for (int i = 0; i < mems.size(); i++) {
                Operands.MemOperand m = mems.get(i);
                Xmm x = Xmm.of((i * 7 + n) % 16);
                cases.add(new AsmCase(name + " " + x + ", " + m.text(), (a, t) -> load.emit(a, x, m.of(t))));
                cases.add(new AsmCase(name + " " + m.text() + ", " + x, (a, t) -> store.emit(a, m.of(t), x)));
            }
        }
        for (Xmm x : xmms()) {
            for (Gpr g : gprs(Width.DWORD)) {
                cases.add(new AsmCase("movd " + x + ", " + g, (a, t) -> a.movd(x, g)));
                cases.add(new AsmCase("movd " + g + ", " + x, (a, t) -> a.movd(g, x)));
            }
            for (Gpr g : gprs(Width.QWORD)) {
                cases.add(new AsmCase("movq " + x + ", " + g, (a, t) -> a.movq(x, g)));
                cases.add(new AsmCase("movq " + g + ", " + x, (a, t) -> a.movq(g, x)));
            }
        }
        for (Operands.MemOperand m : Operands.someMems()) {
            cases.add(new AsmCase("movd xmm3, " + ptr(Width.DWORD) + m.text(), (a, t) -> a.movd(Reg.XMM3, m.of(t))));
            cases.add(new AsmCase("movd " + ptr(Width.DWORD) + m.text() + ", xmm12", (a, t) -> a.movd(m.of(t), Reg.XMM12)));
        }
        DifferentialRunner.check("SSE moves", cases);
    }

    @Test
    void integerFloatConversions() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        List<Operands.MemOperand> mems = Operands.someMems();
        for (Width w : List.of(Width.DWORD, Width.QWORD)) {
            for (Xmm x : xmms()) {
                for (Gpr g : gprs(w)) {
                    cases.add(new AsmCase("cvtsi2ss " + x + ", " + g, (a, t) -> a.cvtsi2ss(x, g)));
                    cases.add(new AsmCase("cvtsi2sd " + x + ", " + g, (a, t) -> a.cvtsi2sd(x, g)));
                    cases.add(new AsmCase("cvttss2si " + g + ", " + x, (a, t) -> a.cvttss2si(g, x)));
                    cases.add(new AsmCase("cvttsd2si " + g + ", " + x, (a, t) -> a.cvttsd2si(g, x)));
                    cases.add(new AsmCase("cvtss2si " + g + ", " + x, (a, t) -> a.cvtss2si(g, x)));
                    cases.add(new AsmCase("cvtsd2si " + g + ", " + x, (a, t) -> a.cvtsd2si(g, x)));
                }
            }
            for (int i = 0; i < mems.size(); i++) {
                Operands.MemOperand m = mems.get(i);
                Xmm x = Xmm.of(i % 16);
                Gpr g = Gpr.of((i * 3) % 16, w);
                cases.add(new AsmCase("cvtsi2ss " + x + ", " + ptr(w) + m.text(), (a, t) -> a.cvtsi2ss(x, w, m.of(t))));
                cases.add(new AsmCase("cvtsi2sd " + x + ", " + ptr(w) + m.text(), (a, t) -> a.cvtsi2sd(x, w, m.of(t))));
                cases.add(new AsmCase("cvttss2si " + g + ", " + ptr(Width.DWORD) + m.text(), (a, t) -> a.cvttss2si(g, m.of(t))));
                cases.add(new AsmCase("cvttsd2si " + g + ", " + ptr(Width.QWORD) + m.text(), (a, t) -> a.cvttsd2si(g, m.of(t))));
                cases.add(new AsmCase("cvtss2si " + g + ", " + ptr(Width.DWORD) + m.text(), (a, t) -> a.cvtss2si(g, m.of(t))));
                cases.add(new AsmCase("cvtsd2si " + g + ", " + ptr(Width.QWORD) + m.text(), (a, t) -> a.cvtsd2si(g, m.of(t))));
            }
        }
        DifferentialRunner.check("SSE int/float conversions", cases);
    }

    @Test
    void lanesMasksAndImmediateShifts() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        List<Operands.MemOperand> mems = Operands.someMems();
        for (Xmm x : xmms()) {
            for (Gpr g : gprs(Width.DWORD)) {
                int lane = (x.index() + g.index()) % 4;
                cases.add(new AsmCase("movmskps " + g + ", " + x, (a, t) -> a.movmskps(g, x)));
                cases.add(new AsmCase("movmskpd " + g + ", " + x, (a, t) -> a.movmskpd(g, x)));
                cases.add(new AsmCase("pmovmskb " + g + ", " + x, (a, t) -> a.pmovmskb(g, x)));
                cases.add(new AsmCase("pinsrb " + x + ", " + g + ", " + lane * 4, (a, t) -> a.pinsrb(x, g, lane * 4)));
                cases.add(new AsmCase("pinsrw " + x + ", " + g + ", " + lane * 2, (a, t) -> a.pinsrw(x, g, lane * 2)));
                cases.add(new AsmCase("pinsrd " + x + ", " + g + ", " + lane, (a, t) -> a.pinsrd(x, g, lane)));
                cases.add(new AsmCase("pextrb " + g + ", " + x + ", " + lane * 4, (a, t) -> a.pextrb(g, x, lane * 4)));
                cases.add(new AsmCase("pextrw " + g + ", " + x + ", " + lane * 2, (a, t) -> a.pextrw(g, x, lane * 2)));
                cases.add(new AsmCase("pextrd " + g + ", " + x + ", " + lane, (a, t) -> a.pextrd(g, x, lane)));
                cases.add(new AsmCase("extractps " + g + ", " + x + ", " + lane, (a, t) -> a.extractps(g, x, lane)));
            }
            for (Gpr g : gprs(Width.QWORD)) {
                int lane = (x.index() + g.index()) % 2;
                cases.add(new AsmCase("pinsrq " + x + ", " + g + ", " + lane, (a, t) -> a.pinsrq(x, g, lane)));
                cases.add(new AsmCase("pextrq " + g + ", " + x + ", " + lane, (a, t) -> a.pextrq(g, x, lane)));
            }
            int count = (x.index() * 5) % 64;
            cases.add(new AsmCase("psllw " + x + ", " + count, (a, t) -> a.psllw(x, count)));
            cases.add(new AsmCase("pslld " + x + ", " + count, (a, t) -> a.pslld(x, count)));
            cases.add(new AsmCase("psllq " + x + ", " + count, (a, t) -> a.psllq(x, count)));
            cases.add(new AsmCase("psrlw " + x + ", " + count, (a, t) -> a.psrlw(x, count)));
            cases.add(new AsmCase("psrld " + x + ", " + count, (a, t) -> a.psrld(x, count)));
            cases.add(new AsmCase("psrlq " + x + ", " + count, (a, t) -> a.psrlq(x, count)));
            cases.add(new AsmCase("psraw " + x + ", " + count, (a, t) -> a.psraw(x, count)));
            cases.add(new AsmCase("psrad " + x + ", " + count, (a, t) -> a.psrad(x, count)));
            cases.add(new AsmCase("pslldq " + x + ", " + count % 16, (a, t) -> a.pslldq(x, count % 16)));
            cases.add(new AsmCase("psrldq " + x + ", " + count % 16, (a, t) -> a.psrldq(x, count % 16)));
        }
        for (int i = 0; i < mems.size(); i++) {
            Operands.MemOperand m = mems.get(i);
            Xmm x = Xmm.of((i * 3) % 16);
            cases.add(new AsmCase("pinsrb " + x + ", " + ptr(Width.BYTE) + m.text() + ", 15", (a, t) -> a.pinsrb(x, m.of(t), 15)));
            cases.add(new AsmCase("pinsrw " + x + ", " + ptr(Width.WORD) + m.text() + ", 7", (a, t) -> a.pinsrw(x, m.of(t), 7)));
            cases.add(new AsmCase("pinsrd " + x + ", " + ptr(Width.DWORD) + m.text() + ", 3", (a, t) -> a.pinsrd(x, m.of(t), 3)));
            cases.add(new AsmCase("pinsrq " + x + ", " + ptr(Width.QWORD) + m.text() + ", 1", (a, t) -> a.pinsrq(x, m.of(t), 1)));
            cases.add(new AsmCase("pextrb " + ptr(Width.BYTE) + m.text() + ", " + x + ", 15", (a, t) -> a.pextrb(m.of(t), x, 15)));
            cases.add(new AsmCase("pextrw " + ptr(Width.WORD) + m.text() + ", " + x + ", 7", (a, t) -> a.pextrw(m.of(t), x, 7)));
            cases.add(new AsmCase("pextrd " + ptr(Width.DWORD) + m.text() + ", " + x + ", 3", (a, t) -> a.pextrd(m.of(t), x, 3)));
            cases.add(new AsmCase("pextrq " + ptr(Width.QWORD) + m.text() + ", " + x + ", 1", (a, t) -> a.pextrq(m.of(t), x, 1)));
            cases.add(new AsmCase("extractps " + ptr(Width.DWORD) + m.text() + ", " + x + ", 2", (a, t) -> a.extractps(m.of(t), x, 2)));
        }
        DifferentialRunner.check("SSE lanes / masks / shifts", cases);
    }
}
