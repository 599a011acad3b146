package dev.keep.shim.asm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/**
 * Invalid operand combinations: each must throw IllegalArgumentException with a one-line message
 * naming the problem, and must leave the code unchanged (so a compiler can catch and go on).
 */
class ErrorCasesTest {

    @Test
    void invalidInstructionsAreRejectedWithoutEmittingAnything() {
        List<Map.Entry<String, Consumer<Assembler>>> bad = new ArrayList<>();
        bad.add(Map.entry("widths differ", a -> a.mov(Reg.RAX, Reg.ECX)));
        bad.add(Map.entry("widths differ", a -> a.add(Reg.R8W, Reg.R8B)));
        bad.add(Map.entry("8-bit", a -> a.lea(Reg.AL, Mem.base(Reg.RAX))));
        bad.add(Map.entry("sign-extended 32-bit", a -> a.add(Reg.RAX, 0x1_0000_0000L)));
        bad.add(Map.entry("sign-extended 32-bit", a -> a.mov(Width.QWORD, Mem.base(Reg.RAX), 0x8000_0000L)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.add(Reg.AL, 256)));
        bad.add(Map.entry("does not fit 16 bits", a -> a.cmp(Width.WORD, Mem.base(Reg.RAX), 0x1_0000)));
        bad.add(Map.entry("does not fit 32 bits", a -> a.mov(Reg.EAX, 0x1_0000_0000L)));
        bad.add(Map.entry("must be cl", a -> a.shl(Reg.RAX, Reg.RDX)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.sar(Reg.RAX, 256)));
        bad.add(Map.entry("wider than", a -> a.movzx(Reg.AX, Reg.AX)));
        bad.add(Map.entry("8 or 16 bits", a -> a.movsx(Reg.RAX, Width.DWORD, Mem.base(Reg.RAX))));
        bad.add(Map.entry("64-bit register", a -> a.movsxd(Reg.EAX, Reg.ECX)));
        bad.add(Map.entry("no 8-bit form", a -> a.imul(Reg.AL, Reg.BL)));
        bad.add(Map.entry("no 8-bit form", a -> a.cmovcc(Cond.E, Reg.AL, Reg.BL)));
        bad.add(Map.entry("no 8-bit form", a -> a.bt(Width.BYTE, Mem.base(Reg.RAX), 1)));
        bad.add(Map.entry("8-bit register", a -> a.setcc(Cond.E, Reg.EAX)));
        bad.add(Map.entry("32- or 64-bit", a -> a.bswap(Reg.AX)));
        bad.add(Map.entry("64-bit register", a -> a.push(Reg.EAX)));
        bad.add(Map.entry("64-bit register", a -> a.jmp(Reg.EAX)));
        bad.add(Map.entry("0..255", a -> a.out(0x100, Reg.AL)));
        bad.add(Map.entry("al, ax or eax", a -> a.out(0x60, Reg.RAX)));
        bad.add(Map.entry("al, ax or eax", a -> a.in(Reg.BL, 0x60)));
        bad.add(Map.entry("must be dx", a -> a.out(Reg.CX, Reg.AL)));
        bad.add(Map.entry("0..65535", a -> a.ret(70_000)));
        bad.add(Map.entry("1..9", a -> a.nop(10)));
        bad.add(Map.entry("64-bit register", a -> a.mov(ControlReg.CR3, Reg.EAX)));
        bad.add(Map.entry("16-bit register", a -> a.ltr(Reg.EAX)));
        bad.add(Map.entry("takes no imm8", a -> a.sse(SseOp.ADDPS, Reg.XMM0, Reg.XMM1, 3)));
        bad.add(Map.entry("needs an imm8", a -> a.sse(SseOp.SHUFPS, Reg.XMM0, Reg.XMM1)));
        bad.add(Map.entry("only a register source", a -> a.sse(SseOp.MOVHLPS, Reg.XMM0, Mem.base(Reg.RAX))));
        bad.add(Map.entry("32-bit register", a -> a.movd(Reg.XMM0, Reg.RAX)));
        bad.add(Map.entry("64-bit register", a -> a.movq(Reg.XMM0, Reg.EAX)));
        bad.add(Map.entry("32 or 64 bits", a -> a.cvtsi2ss(Reg.XMM0, Reg.AX)));
        bad.add(Map.entry("32- or 64-bit register", a -> a.cvttsd2si(Reg.AX, Reg.XMM0)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.pshufd(Reg.XMM0, Reg.XMM1, 300)));
        bad.add(Map.entry("64-bit register", a -> a.pinsrq(Reg.XMM0, Reg.EAX, 1)));
        bad.add(Map.entry("power of two", a -> a.align(3)));
        bad.add(Map.entry("not in 0..255", a -> a.intN(256)));
        // Immediates checked after the opcode is chosen must still be checked before anything is written.
        bad.add(Map.entry("0..255", a -> a.in(Reg.AL, 300)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.pextrw(Reg.EAX, Reg.XMM1, 300)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.pinsrb(Reg.XMM0, Reg.EAX, 256)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.shl(Width.QWORD, Mem.base(Reg.RAX), 256)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.bt(Reg.RAX, 256)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.roundss(Reg.XMM0, Reg.XMM1, 256)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.psllw(Reg.XMM0, 256)));
        bad.add(Map.entry("does not fit 8 bits", a -> a.test(Width.BYTE, Mem.base(Reg.RAX), 300)));
        bad.add(Map.entry("sign-extended 32-bit", a -> a.imul(Reg.RAX, Reg.RAX, 1L << 40)));
        bad.add(Map.entry("sign-extended 32-bit", a -> a.push(1L << 40)));
        for (Map.Entry<String, Consumer<Assembler>> e : bad) {
            expectRejected(e.getKey(), e.getValue());
        }
    }

    @Test
    void invalidOperandsAreRejectedWhenBuilt() {
        assertMessage("64-bit", () -> Mem.base(Reg.EAX));
        assertMessage("rsp cannot be an index", () -> Mem.base(Reg.RAX, Reg.RSP, 1));
        assertMessage("scale must be 1, 2, 4 or 8", () -> Mem.base(Reg.RAX, Reg.RCX, 3));
        assertMessage("rip-relative operand cannot have an index",
            () -> Mem.rip(new Assembler().newLabel()).index(Reg.RCX, 1));
        assertMessage("not in 0..15", () -> Gpr.of(16, Width.QWORD));
        assertMessage("not in 0..15", () -> Xmm.of(-1));
    }

    private static void expectRejected(String fragment, Consumer<Assembler> call) {
        Assembler a = new Assembler();
        a.nop();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> call.accept(a),
            "expected rejection: " + fragment);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
        assertFalse(e.getMessage().contains("\n"), "one-line message");
        assertEquals(1, a.position(), "nothing emitted by the rejected call: " + e.getMessage());
    }

    private static void assertMessage(String fragment, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }
}
