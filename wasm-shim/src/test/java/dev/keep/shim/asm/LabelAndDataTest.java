package dev.keep.shim.asm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Label binding, fixups, the rel8/rel32 choice, data emission and output. */
class LabelAndDataTest {

    private static int rel32At(byte[] code, int at) {
        return ByteBuffer.wrap(code, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    @Test
    void briefExampleEncodesLoadAndForwardBranch() {
        Assembler a = new Assembler();
        Label l = a.newLabel();
        a.mov(Reg.RAX, Mem.base(Reg.RBX).disp(8));
        a.jcc(Cond.NE, l);
        a.bind(l);
        byte[] code = a.finish();
        // mov rax, [rbx+8] = REX.W 8B /r, ModRM mod=01 reg=rax rm=rbx, disp8; then jne rel32 = 0.
        assertArrayEquals(new byte[] {0x48, (byte) 0x8B, 0x43, 0x08, 0x0F, (byte) 0x85, 0, 0, 0, 0}, code);
        assertEquals(10, a.offsetOf(l));
    }

    @Test
    void forwardJumpsAreRel32AndPatchedWithTheDistance() {
        Assembler a = new Assembler();
        Label target = a.newLabel();
        a.jmp(target);
        int afterJmp = a.position();
        a.jcc(Cond.L, target);
        int afterJcc = a.position();
        for (int i = 0; i < 10; i++) {
            a.nop();
        }
        a.bind(target);
        byte[] code = a.finish();
        assertEquals(5, afterJmp, "forward jmp is E9 rel32");
        assertEquals(11, afterJcc, "forward jcc is 0F 8x rel32");
        assertEquals((byte) 0xE9, code[0]);
        assertEquals(a.offsetOf(target) - afterJmp, rel32At(code, 1));
        assertEquals(a.offsetOf(target) - afterJcc, rel32At(code, 7));
    }

    @Test
    void backwardJumpUsesRel8ExactlyWhileItReaches() {
        for (int pad = 120; pad <= 130; pad++) {
            Assembler a = new Assembler();
            Label top = a.newLabel();
            a.bind(top);
            for (int i = 0; i < pad; i++) {
                a.nop();
            }
            int start = a.position();
            a.jmp(top);
            byte[] code = a.finish();
            long shortRel = -(pad + 2L);
            if (shortRel >= -128) {
                assertEquals(2, code.length - start, "pad " + pad);
                assertEquals((byte) 0xEB, code[start]);
                assertEquals(shortRel, code[start + 1]);
            } else {
                assertEquals(5, code.length - start, "pad " + pad);
                assertEquals((byte) 0xE9, code[start]);
                assertEquals(-(pad + 5), rel32At(code, start + 1));
            }
        }
    }

    @Test
    void forcedShortJumpReachesExactly127Forward() {
        Assembler a = new Assembler();
        Label end = a.newLabel();
        a.jccShort(Cond.E, end);
        for (int i = 0; i < 127; i++) {
            a.nop();
        }
        a.bind(end);
        byte[] code = a.finish();
        assertEquals(0x74, code[0]);
        assertEquals(127, code[1]);
    }

    @Test
    void forcedShortJumpOutOfReachFailsAtFinish() {
        Assembler a = new Assembler();
        Label end = a.newLabel();
        a.jmpShort(end);
        for (int i = 0; i < 128; i++) {
            a.nop();
        }
        a.bind(end);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, a::finish);
        assertTrue(e.getMessage().contains("outside -128..127"), e.getMessage());
    }

    @Test
    void forcedNearBackwardJumpStaysRel32() {
        Assembler a = new Assembler();
        Label top = a.newLabel();
        a.bind(top);
        a.jmpNear(top);
        a.jccNear(Cond.G, top);
        byte[] code = a.finish();
        assertEquals(11, code.length);
        assertEquals(-5, rel32At(code, 1));
        assertEquals(-11, rel32At(code, 7));
    }

    @Test
    void callsAndRipOperandsCountFromTheEndOfTheInstruction() {
        Assembler a = new Assembler();
        Label fn = a.newLabel();
        Label data = a.newLabel();
        a.call(fn);
        // The imm32 after the rip displacement moves the end of the instruction: disp counts from there.
        a.mov(Width.DWORD, Mem.rip(data).disp(4), 7);
        int afterStore = a.position();
        a.bind(fn);
        a.ret();
        a.alignData(8, 0);
        a.bind(data);
        a.dq(0);
        byte[] code = a.finish();
        assertEquals(a.offsetOf(fn) - 5, rel32At(code, 1));
        assertEquals(a.offsetOf(data) + 4 - afterStore, rel32At(code, 7));
    }

    @Test
    void dataDirectivesAlignmentAndLinkInformation() {
        Assembler a = new Assembler(0x40_0000);
        Label entry = a.newLabel();
        Label table = a.newLabel();
        a.bind(entry);
        a.db(0x90);
        a.align(16);
        assertEquals(16, a.position());
        a.alignData(16, 0xCC);
        assertEquals(16, a.position(), "already aligned: no padding");
        a.bind(table);
        a.dd(entry, table);
        a.dq(entry);
        a.dw(0xBEEF);
        a.db(new byte[] {1, 2, 3});
        a.alignData(8, 0);
        byte[] code = a.finish();
        assertEquals(40, code.length);
        assertEquals(-16, rel32At(code, 16));
        assertEquals(0x40_0000L, ByteBuffer.wrap(code, 20, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
        assertEquals(List.of(20), a.absoluteSites());
        assertEquals((short) 0xBEEF, ByteBuffer.wrap(code, 28, 2).order(ByteOrder.LITTLE_ENDIAN).getShort());
        // align(16) from offset 1 = 15 bytes of NOP: a 9-byte and a 6-byte long NOP.
        assertArrayEquals(new byte[] {0x66, 0x0F, 0x1F, (byte) 0x84, 0, 0, 0, 0, 0}, java.util.Arrays.copyOfRange(code, 1, 10));
        assertArrayEquals(new byte[] {0x66, 0x0F, 0x1F, 0x44, 0, 0}, java.util.Arrays.copyOfRange(code, 10, 16));
    }

    @Test
    void nopOfEachSizeHasThatSize() {
        for (int size = 1; size <= 9; size++) {
            Assembler a = new Assembler();
            a.nop(size);
            assertEquals(size, a.finish().length);
        }
    }

    @Test
    void outputIsDeterministicAndFinishIsFinal() {
        byte[] first = sample();
        byte[] second = sample();
        assertArrayEquals(first, second);
        Assembler a = new Assembler();
        a.ret();
        byte[] once = a.finish();
        assertArrayEquals(once, a.finish());
        assertThrows(IllegalStateException.class, a::nop);
    }

    private static byte[] sample() {
        Assembler a = new Assembler();
        Label loop = a.newLabel();
        Label done = a.newLabel();
        a.bind(loop);
        a.dec(Reg.ECX);
        a.jcc(Cond.Z, done);
        a.add(Reg.RAX, Mem.base(Reg.RSI, Reg.RCX, 8));
        a.jmp(loop);
        a.bind(done);
        a.ret();
        return a.finish();
    }

    @Test
    void unboundLabelIsReportedAtFinish() {
        Assembler a = new Assembler();
        Label nowhere = a.newLabel();
        a.call(nowhere);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, a::finish);
        assertEquals("label L0 referenced at offset 1 was never bound", e.getMessage());
    }

    @Test
    void labelMisuseIsRejected() {
        Assembler a = new Assembler();
        Label l = a.newLabel();
        a.bind(l);
        assertThrows(IllegalArgumentException.class, () -> a.bind(l));
        Assembler other = new Assembler();
        Label foreign = other.newLabel();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.jmp(foreign));
        assertTrue(e.getMessage().contains("another assembler"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.lea(Reg.RAX, Mem.rip(foreign)));
        assertThrows(IllegalArgumentException.class, () -> a.offsetOf(other.newLabel()));
        assertThrows(IllegalArgumentException.class, () -> a.newLabel().offset());
        assertEquals(0, a.position(), "rejected instructions emit nothing");
    }
}
