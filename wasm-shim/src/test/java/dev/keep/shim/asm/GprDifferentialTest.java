package dev.keep.shim.asm;

import static dev.keep.shim.asm.Operands.WIDTHS;
import static dev.keep.shim.asm.Operands.gprs;
import static dev.keep.shim.asm.Operands.imm;
import static dev.keep.shim.asm.Operands.imms;
import static dev.keep.shim.asm.Operands.ptr;
import static dev.keep.shim.asm.Operands.sized;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** General-purpose integer instructions against GNU as, every register pair and memory form. */
class GprDifferentialTest {
    interface RegReg {
        void emit(Assembler a, Gpr dst, Gpr src);
    }

    interface RegMem {
        void emit(Assembler a, Gpr dst, Mem src);
    }

    interface MemReg {
        void emit(Assembler a, Mem dst, Gpr src);
    }

    interface RegImm {
        void emit(Assembler a, Gpr dst, long imm);
    }

    interface MemImm {
        void emit(Assembler a, Width w, Mem dst, long imm);
    }

    interface Unary {
        void emit(Assembler a, Gpr operand);
    }

    interface UnaryMem {
        void emit(Assembler a, Width w, Mem operand);
    }

    private static final Map<String, RegReg> ALU_RR = new LinkedHashMap<>();
    private static final Map<String, RegMem> ALU_RM = new LinkedHashMap<>();
    private static final Map<String, MemReg> ALU_MR = new LinkedHashMap<>();
    private static final Map<String, RegImm> ALU_RI = new LinkedHashMap<>();
    private static final Map<String, MemImm> ALU_MI = new LinkedHashMap<>();

    static {
        ALU_RR.put("add", Assembler::add);
        ALU_RR.put("or", Assembler::or);
        ALU_RR.put("adc", Assembler::adc);
        ALU_RR.put("sbb", Assembler::sbb);
        ALU_RR.put("and", Assembler::and);
        ALU_RR.put("sub", Assembler::sub);
        ALU_RR.put("xor", Assembler::xor);
        ALU_RR.put("cmp", Assembler::cmp);
        ALU_RM.put("add", Assembler::add);
        ALU_RM.put("or", Assembler::or);
        ALU_RM.put("adc", Assembler::adc);
        ALU_RM.put("sbb", Assembler::sbb);
        ALU_RM.put("and", Assembler::and);
        ALU_RM.put("sub", Assembler::sub);
        ALU_RM.put("xor", Assembler::xor);
        ALU_RM.put("cmp", Assembler::cmp);
        ALU_MR.put("add", Assembler::add);
        ALU_MR.put("or", Assembler::or);
        ALU_MR.put("adc", Assembler::adc);
        ALU_MR.put("sbb", Assembler::sbb);
        ALU_MR.put("and", Assembler::and);
        ALU_MR.put("sub", Assembler::sub);
        ALU_MR.put("xor", Assembler::xor);
        ALU_MR.put("cmp", Assembler::cmp);
        ALU_RI.put("add", Assembler::add);
        ALU_RI.put("or", Assembler::or);
        ALU_RI.put("adc", Assembler::adc);
        ALU_RI.put("sbb", Assembler::sbb);
        ALU_RI.put("and", Assembler::and);
        ALU_RI.put("sub", Assembler::sub);
        ALU_RI.put("xor", Assembler::xor);
        ALU_RI.put("cmp", Assembler::cmp);
        ALU_MI.put("add", Assembler::add);
        ALU_MI.put("or", Assembler::or);
        ALU_MI.put("adc", Assembler::adc);
        ALU_MI.put("sbb", Assembler::sbb);
        ALU_MI.put("and", Assembler::and);
        ALU_MI.put("sub", Assembler::sub);
        ALU_MI.put("xor", Assembler::xor);
        ALU_MI.put("cmp", Assembler::cmp);
        // mov, test and xchg share the shapes.
        ALU_RR.put("mov", Assembler::mov);
        ALU_RR.put("test", Assembler::test);
        ALU_RR.put("xchg", Assembler::xchg);
        ALU_RM.put("mov", Assembler::mov);
        ALU_RM.put("xchg", Assembler::xchg);
        ALU_MR.put("mov", Assembler::mov);
        ALU_MR.put("test", Assembler::test);
        ALU_MR.put("xchg", Assembler::xchg);
        ALU_RI.put("mov", Assembler::mov);
        ALU_RI.put("test", Assembler::test);
        ALU_MI.put("mov", Assembler::mov);
        ALU_MI.put("test", Assembler::test);
    }

    @Test
    void registerRegisterForms() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        ALU_RR.forEach((name, op) -> {
            for (Width w : WIDTHS) {
                for (Gpr d : gprs(w)) {
                    for (Gpr s : gprs(w)) {
                        cases.add(new AsmCase(name + " " + d + ", " + s, (a, t) -> op.emit(a, d, s)));
                    }
                }
            }
        });
        DifferentialRunner.check("reg, reg", cases);
    }

    @Test
    void registerMemoryForms() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        List<Operands.MemOperand> mems = Operands.someMems();
        ALU_RM.forEach((name, op) -> {
            for (Width w : WIDTHS) {
                for (Gpr r : gprs(w)) {
                    for (Operands.MemOperand m : mems) {
                        cases.add(new AsmCase(name + " " + r + ", " + sized(w, m), (a, t) -> op.emit(a, r, m.of(t))));
                    }
                }
            }
        });
        ALU_MR.forEach((name, op) -> {
            for (Width w : WIDTHS) {
                for (Gpr r : gprs(w)) {
                    for (Operands.MemOperand m : mems) {
                        cases.add(new AsmCase(name + " " + sized(w, m) + ", " + r, (a, t) -> op.emit(a, m.of(t), r)));
                    }
                }
            }
        });
        DifferentialRunner.check("reg, mem / mem, reg", cases);
    }

    /** Every addressing form (all bases, base/index pairs, scales, displacement edges) on mov and lea. */
    @Test
    void everyAddressingForm() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        for (Operands.MemOperand m : Operands.allMems()) {
            for (Gpr r : List.of(Reg.RAX, Reg.R9, Reg.ESP, Reg.R13D, Reg.SIL, Reg.R12B, Reg.DX, Reg.R15W)) {
                cases.add(new AsmCase("mov " + r + ", " + sized(r.width(), m), (a, t) -> a.mov(r, m.of(t))));
                cases.add(new AsmCase("mov " + sized(r.width(), m) + ", " + r, (a, t) -> a.mov(m.of(t), r)));
            }
            for (Gpr r : List.of(Reg.RCX, Reg.R14, Reg.EBX, Reg.R8W)) {
                cases.add(new AsmCase("lea " + r + ", " + m.text(), (a, t) -> a.lea(r, m.of(t))));
            }
            cases.add(new AsmCase("add " + sized(Width.QWORD, m) + ", 1000",
                (a, t) -> a.add(Width.QWORD, m.of(t), 1000)));
            cases.add(new AsmCase("mov " + sized(Width.BYTE, m) + ", -3", (a, t) -> a.mov(Width.BYTE, m.of(t), -3)));
            cases.add(new AsmCase("mov " + sized(Width.DWORD, m) + ", 0x12345678",
                (a, t) -> a.mov(Width.DWORD, m.of(t), 0x12345678)));
        }
        DifferentialRunner.check("addressing forms", cases);
    }

    @Test
    void immediateForms() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        List<Operands.MemOperand> mems = Operands.someMems();
        ALU_RI.forEach((name, op) -> {
            for (Width w : WIDTHS) {
                for (Gpr r : gprs(w)) {
                    for (long v : imms(w)) {
                        cases.add(new AsmCase(name + " " + r + ", " + imm(v), (a, t) -> op.emit(a, r, v)));
                    }
                }
            }
        });
        ALU_MI.forEach((name, op) -> {
            for (Width w : WIDTHS) {
                for (int i = 0; i < mems.size(); i++) {
                    Operands.MemOperand m = mems.get(i);
                    for (long v : imms(w)) {
                        cases.add(new AsmCase(name + " " + sized(w, m) + ", " + imm(v), (a, t) -> op.emit(a, w, m.of(t), v)));
                    }
                }
            }
        });
        // 64-bit moves of values beyond imm32 pick movabs; movabs is also offered explicitly.
        long[] wide = {0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MIN_VALUE, Long.MAX_VALUE, -1L,
            0x1234_5678_9ABC_DEF0L, Integer.MIN_VALUE - 1L};
        for (Gpr r : gprs(Width.QWORD)) {
            for (long v : wide) {
                cases.add(new AsmCase("mov " + r + ", " + imm(v), (a, t) -> a.mov(r, v)));
            }
            for (long v : new long[] {0, 1, -1, Long.MIN_VALUE, 0x7FFF_FFFF}) {
                cases.add(new AsmCase("movabs " + r + ", " + imm(v), (a, t) -> a.movabs(r, v)));
            }
        }
        DifferentialRunner.check("immediates", cases);
    }

    @Test
    void unaryAndMultiplyForms() throws Exception {
        Map<String, Unary> unary = new LinkedHashMap<>();
        unary.put("inc", Assembler::inc);
        unary.put("dec", Assembler::dec);
        unary.put("not", Assembler::not);
        unary.put("neg", Assembler::neg);
        unary.put("mul", Assembler::mul);
        unary.put("imul", Assembler::imul);
        unary.put("div", Assembler::div);
        unary.put("idiv", Assembler::idiv);
        Map<String, UnaryMem> unaryMem = new LinkedHashMap<>();
        unaryMem.put("inc", Assembler::inc);
        unaryMem.put("dec", Assembler::dec);
        unaryMem.put("not", Assembler::not);
        unaryMem.put("neg", Assembler::neg);
        unaryMem.put("mul", Assembler::mul);
        unaryMem.put("imul", Assembler::imul);
        unaryMem.put("div", Assembler::div);
        unaryMem.put("idiv", Assembler::idiv);
        List<AsmCase> cases = new ArrayList<>();
        List<Operands.MemOperand> mems = Operands.someMems();
        for (Width w : WIDTHS) {
            for (Gpr r : gprs(w)) {
                unary.forEach((name, op) -> cases.add(new AsmCase(name + " " + r, (a, t) -> op.emit(a, r))));
            }
            for (Operands.MemOperand m : mems) {
                unaryMem.forEach((name, op) -> cases.add(new AsmCase(name + " " + sized(w, m),
                    (a, t) -> op.emit(a, w, m.of(t)))));
            }
        }
        for (Width w : List.of(Width.WORD, Width.DWORD, Width.QWORD)) {
            for (Gpr d : gprs(w)) {
                for (Gpr s : gprs(w)) {
                    cases.add(new AsmCase("imul " + d + ", " + s, (a, t) -> a.imul(d, s)));
                    long v = imms(w)[(d.index() + s.index()) % imms(w).length];
                    cases.add(new AsmCase("imul " + d + ", " + s + ", " + imm(v), (a, t) -> a.imul(d, s, v)));
                }
                for (long v : imms(w)) {
                    cases.add(new AsmCase("imul " + d + ", " + imm(v), (a, t) -> a.imul(d, v)));
                }
                for (Operands.MemOperand m : mems) {
                    cases.add(new AsmCase("imul " + d + ", " + sized(w, m), (a, t) -> a.imul(d, m.of(t))));
                    cases.add(new AsmCase("imul " + d + ", " + sized(w, m) + ", 100",
                        (a, t) -> a.imul(d, m.of(t), 100)));
                    cases.add(new AsmCase("imul " + d + ", " + sized(w, m) + ", 1000",
                        (a, t) -> a.imul(d, m.of(t), 1000)));
                }
            }
        }
        cases.add(new AsmCase("cdq", (a, t) -> a.cdq()));
        cases.add(new AsmCase("cqo", (a, t) -> a.cqo()));
        cases.add(new AsmCase("cdqe", (a, t) -> a.cdqe()));
        DifferentialRunner.check("unary / multiply / divide", cases);
    }

    @Test
    void shiftsAndRotates() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        List<Operands.MemOperand> mems = Operands.someMems();
        for (String name : List.of("rol", "ror", "rcl", "rcr", "shl", "shr", "sar")) {
            for (Width w : WIDTHS) {
                for (Gpr r : gprs(w)) {
                    for (int count : new int[] {0, 1, 2, 7, 31, 63, 255}) {
                        cases.add(new AsmCase(name + " " + r + ", " + count, (a, t) -> shift(a, name, r, count)));
                    }
                    cases.add(new AsmCase(name + " " + r + ", cl", (a, t) -> shiftCl(a, name, r)));
                }
                for (Operands.MemOperand m : mems) {
                    for (int count : new int[] {1, 5}) {
                        cases.add(new AsmCase(name + " " + sized(w, m) + ", " + count,
                            (a, t) -> shiftMem(a, name, w, m.of(t), count)));
                    }
                    cases.add(new AsmCase(name + " " + sized(w, m) + ", cl", (a, t) -> shiftMemCl(a, name, w, m.of(t))));
                }
            }
        }
        DifferentialRunner.check("shifts", cases);
    }

    private static void shift(Assembler a, String name, Gpr r, int count) {
        switch (name) {
            case "rol" -> a.rol(r, count);
            case "ror" -> a.ror(r, count);
            case "rcl" -> a.rcl(r, count);
            case "rcr" -> a.rcr(r, count);
            case "shl" -> a.shl(r, count);
            case "shr" -> a.shr(r, count);
            default -> a.sar(r, count);
        }
    }

    private static void shiftCl(Assembler a, String name, Gpr r) {
        switch (name) {
            case "rol" -> a.rol(r, Reg.CL);
            case "ror" -> a.ror(r, Reg.CL);
            case "rcl" -> a.rcl(r, Reg.CL);
            case "rcr" -> a.rcr(r, Reg.CL);
            case "shl" -> a.shl(r, Reg.CL);
            case "shr" -> a.shr(r, Reg.CL);
            default -> a.sar(r, Reg.CL);
        }
    }

    private static void shiftMem(Assembler a, String name, Width w, Mem m, int count) {
        switch (name) {
            case "rol" -> a.rol(w, m, count);
            case "ror" -> a.ror(w, m, count);
            case "rcl" -> a.rcl(w, m, count);
            case "rcr" -> a.rcr(w, m, count);
            case "shl" -> a.shl(w, m, count);
            case "shr" -> a.shr(w, m, count);
            default -> a.sar(w, m, count);
        }
    }

    private static void shiftMemCl(Assembler a, String name, Width w, Mem m) {
        switch (name) {
            case "rol" -> a.rol(w, m, Reg.CL);
            case "ror" -> a.ror(w, m, Reg.CL);
            case "rcl" -> a.rcl(w, m, Reg.CL);
            case "rcr" -> a.rcr(w, m, Reg.CL);
            case "shl" -> a.shl(w, m, Reg.CL);
            case "shr" -> a.shr(w, m, Reg.CL);
            default -> a.sar(w, m, Reg.CL);
        }
    }

    @Test
    void extensionsBitsAndStack() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        List<Operands.MemOperand> mems = Operands.someMems();
        for (Width dw : List.of(Width.WORD, Width.DWORD, Width.QWORD)) {
            for (Width sw : List.of(Width.BYTE, Width.WORD)) {
                if (sw.bits() >= dw.bits()) {
                    continue;
                }
                for (Gpr d : gprs(dw)) {
                    for (Gpr s : gprs(sw)) {
                        cases.add(new AsmCase("movzx " + d + ", " + s, (a, t) -> a.movzx(d, s)));
                        cases.add(new AsmCase("movsx " + d + ", " + s, (a, t) -> a.movsx(d, s)));
                    }
                    for (Operands.MemOperand m : mems) {
                        cases.add(new AsmCase("movzx " + d + ", " + sized(sw, m), (a, t) -> a.movzx(d, sw, m.of(t))));
                        cases.add(new AsmCase("movsx " + d + ", " + sized(sw, m), (a, t) -> a.movsx(d, sw, m.of(t))));
                    }
                }
            }
        }
        for (Gpr d : gprs(Width.QWORD)) {
            for (Gpr s : gprs(Width.DWORD)) {
                cases.add(new AsmCase("movsxd " + d + ", " + s, (a, t) -> a.movsxd(d, s)));
            }
            for (Operands.MemOperand m : mems) {
                cases.add(new AsmCase("movsxd " + d + ", " + sized(Width.DWORD, m), (a, t) -> a.movsxd(d, m.of(t))));
            }
        }
        for (Width w : List.of(Width.WORD, Width.DWORD, Width.QWORD)) {
            for (Gpr d : gprs(w)) {
                for (Gpr s : gprs(w)) {
                    cases.add(new AsmCase("lzcnt " + d + ", " + s, (a, t) -> a.lzcnt(d, s)));
                    cases.add(new AsmCase("tzcnt " + d + ", " + s, (a, t) -> a.tzcnt(d, s)));
                    cases.add(new AsmCase("popcnt " + d + ", " + s, (a, t) -> a.popcnt(d, s)));
                    cases.add(new AsmCase("bsr " + d + ", " + s, (a, t) -> a.bsr(d, s)));
                    cases.add(new AsmCase("bsf " + d + ", " + s, (a, t) -> a.bsf(d, s)));
                    cases.add(new AsmCase("bt " + d + ", " + s, (a, t) -> a.bt(d, s)));
                    cases.add(new AsmCase("bts " + d + ", " + s, (a, t) -> a.bts(d, s)));
                    cases.add(new AsmCase("btr " + d + ", " + s, (a, t) -> a.btr(d, s)));
                    cases.add(new AsmCase("btc " + d + ", " + s, (a, t) -> a.btc(d, s)));
                }
                for (int bit : new int[] {0, 5, 31, 63, 255}) {
                    cases.add(new AsmCase("bt " + d + ", " + bit, (a, t) -> a.bt(d, bit)));
                    cases.add(new AsmCase("bts " + d + ", " + bit, (a, t) -> a.bts(d, bit)));
                    cases.add(new AsmCase("btr " + d + ", " + bit, (a, t) -> a.btr(d, bit)));
                    cases.add(new AsmCase("btc " + d + ", " + bit, (a, t) -> a.btc(d, bit)));
                }
                for (Operands.MemOperand m : mems) {
                    cases.add(new AsmCase("lzcnt " + d + ", " + sized(w, m), (a, t) -> a.lzcnt(d, m.of(t))));
                    cases.add(new AsmCase("tzcnt " + d + ", " + sized(w, m), (a, t) -> a.tzcnt(d, m.of(t))));
                    cases.add(new AsmCase("popcnt " + d + ", " + sized(w, m), (a, t) -> a.popcnt(d, m.of(t))));
                    cases.add(new AsmCase("bsr " + d + ", " + sized(w, m), (a, t) -> a.bsr(d, m.of(t))));
                    cases.add(new AsmCase("bsf " + d + ", " + sized(w, m), (a, t) -> a.bsf(d, m.of(t))));
                    cases.add(new AsmCase("bt " + sized(w, m) + ", " + d, (a, t) -> a.bt(m.of(t), d)));
                    cases.add(new AsmCase("bts " + sized(w, m) + ", " + d, (a, t) -> a.bts(m.of(t), d)));
                    cases.add(new AsmCase("btr " + sized(w, m) + ", " + d, (a, t) -> a.btr(m.of(t), d)));
                    cases.add(new AsmCase("btc " + sized(w, m) + ", " + d, (a, t) -> a.btc(m.of(t), d)));
                }
            }
            for (Operands.MemOperand m : mems) {
                cases.add(new AsmCase("bt " + sized(w, m) + ", 9", (a, t) -> a.bt(w, m.of(t), 9)));
                cases.add(new AsmCase("bts " + sized(w, m) + ", 9", (a, t) -> a.bts(w, m.of(t), 9)));
                cases.add(new AsmCase("btr " + sized(w, m) + ", 9", (a, t) -> a.btr(w, m.of(t), 9)));
                cases.add(new AsmCase("btc " + sized(w, m) + ", 9", (a, t) -> a.btc(w, m.of(t), 9)));
            }
        }
        for (Gpr r : gprs(Width.DWORD)) {
            cases.add(new AsmCase("bswap " + r, (a, t) -> a.bswap(r)));
        }
        for (Gpr r : gprs(Width.QWORD)) {
            cases.add(new AsmCase("bswap " + r, (a, t) -> a.bswap(r)));
            cases.add(new AsmCase("push " + r, (a, t) -> a.push(r)));
            cases.add(new AsmCase("pop " + r, (a, t) -> a.pop(r)));
        }
        for (Operands.MemOperand m : mems) {
            cases.add(new AsmCase("push " + sized(Width.QWORD, m), (a, t) -> a.push(m.of(t))));
            cases.add(new AsmCase("pop " + sized(Width.QWORD, m), (a, t) -> a.pop(m.of(t))));
        }
        for (long v : imms(Width.QWORD)) {
            cases.add(new AsmCase("push " + imm(v), (a, t) -> a.push(v)));
        }
        DifferentialRunner.check("extensions / bit ops / stack", cases);
    }

    @Test
    void conditionsAndIndirectBranches() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        List<Operands.MemOperand> mems = Operands.someMems();
        for (Cond c : Cond.values()) {
            for (Gpr r : gprs(Width.BYTE)) {
                cases.add(new AsmCase("set" + c.suffix() + " " + r, (a, t) -> a.setcc(c, r)));
            }
            for (Operands.MemOperand m : mems) {
                cases.add(new AsmCase("set" + c.suffix() + " " + sized(Width.BYTE, m), (a, t) -> a.setcc(c, m.of(t))));
            }
            for (Width w : List.of(Width.WORD, Width.DWORD, Width.QWORD)) {
                for (Gpr d : gprs(w)) {
                    for (Gpr s : gprs(w)) {
                        if ((d.index() + s.index() + c.code()) % 3 == 0) {
                            cases.add(new AsmCase("cmov" + c.suffix() + " " + d + ", " + s, (a, t) -> a.cmovcc(c, d, s)));
                        }
                    }
                    Operands.MemOperand m = mems.get((d.index() + c.code()) % mems.size());
                    cases.add(new AsmCase("cmov" + c.suffix() + " " + d + ", " + sized(w, m),
                        (a, t) -> a.cmovcc(c, d, m.of(t))));
                }
            }
        }
        for (Gpr r : gprs(Width.QWORD)) {
            cases.add(new AsmCase("jmp " + r, (a, t) -> a.jmp(r)));
            cases.add(new AsmCase("call " + r, (a, t) -> a.call(r)));
        }
        for (Operands.MemOperand m : mems) {
            cases.add(new AsmCase("jmp " + ptr(Width.QWORD) + m.text(), (a, t) -> a.jmp(m.of(t))));
            cases.add(new AsmCase("call " + ptr(Width.QWORD) + m.text(), (a, t) -> a.call(m.of(t))));
        }
        cases.add(new AsmCase("ret", (a, t) -> a.ret()));
        cases.add(new AsmCase("ret 8", (a, t) -> a.ret(8)));
        cases.add(new AsmCase("ret 65535", (a, t) -> a.ret(65535)));
        DifferentialRunner.check("setcc / cmovcc / indirect branches", cases);
    }
}
