package dev.keep.shim.asm;

import java.util.ArrayList;
import java.util.List;

/**
 * The x86-64 instruction format: legacy prefixes, REX, opcode escape, ModRM, SIB, displacement.
 * It knows nothing about mnemonics; {@link Assembler} picks the opcode bytes and the operand roles.
 */
final class Encoder {
    static final int MAP_NONE = 0;
    static final int MAP_0F = 1;
    static final int MAP_0F38 = 2;
    static final int MAP_0F3A = 3;

    final CodeBuffer buf = new CodeBuffer();
    final List<Fixup> fixups = new ArrayList<>();

    /**
     * Emits prefixes and opcode for an instruction with a ModRM byte and then the ModRM tail.
     *
     * @param legacy   up to two legacy prefix bytes packed high-first (0x66, 0xF3, 0x66F3, ...) or 0
     * @param w        REX.W
     * @param rex40    force a REX prefix even when no bit is set (spl/bpl/sil/dil)
     * @param reg      the ModRM.reg field value 0..15 (a register number or an opcode extension)
     * @param rm       a {@link Gpr}, {@link Xmm} or {@link Mem}
     * @param immBytes size of the immediate that will follow (rip-relative offsets count from its end)
     */
    void modrm(int legacy, boolean w, boolean rex40, int map, int opcode, int reg, Object rm, int immBytes) {
        switch (rm) {
            case Gpr g -> {
                prefixes(legacy, w, rex40, reg, 0, g.index());
                opcode(map, opcode);
                buf.emit8(0xC0 | (reg & 7) << 3 | (g.index() & 7));
            }
            case Xmm x -> {
                prefixes(legacy, w, rex40, reg, 0, x.index());
                opcode(map, opcode);
                buf.emit8(0xC0 | (reg & 7) << 3 | (x.index() & 7));
            }
            case Mem m -> {
                int x = m.indexReg() == null ? 0 : m.indexReg().index();
                int b = m.baseReg() == null ? 0 : m.baseReg().index();
                prefixes(legacy, w, rex40, reg, x, b);
                opcode(map, opcode);
                memoryTail(reg & 7, m, immBytes);
            }
            default -> throw new IllegalArgumentException("not an r/m operand: " + rm);
        }
    }

    /** Instructions that put a register number in the low three opcode bits (push, bswap, mov imm). */
    void opcodePlusReg(int legacy, boolean w, boolean rex40, int map, int opcode, int regIndex) {
        prefixes(legacy, w, rex40, 0, 0, regIndex);
        opcode(map, opcode | (regIndex & 7));
    }

    /** Instructions with no operands in ModRM: prefixes, optional REX.W and opcode only. */
    void plain(int legacy, boolean w, int map, int opcode) {
        prefixes(legacy, w, false, 0, 0, 0);
        opcode(map, opcode);
    }

    void immediate(int bytes, long value) {
        switch (bytes) {
            case 0 -> { }
            case 1 -> buf.emit8((int) value);
            case 2 -> buf.emit16((int) value);
            case 4 -> buf.emit32((int) value);
            case 8 -> buf.emit64(value);
            default -> throw new IllegalStateException("immediate of " + bytes + " bytes");
        }
    }

    private void prefixes(int legacy, boolean w, boolean rex40, int reg, int index, int base) {
        if ((legacy >>> 8) != 0) {
            buf.emit8(legacy >>> 8);
        }
        if ((legacy & 0xFF) != 0) {
            buf.emit8(legacy & 0xFF);
        }
        int rex = (w ? 8 : 0) | (reg >> 3 & 1) << 2 | (index >> 3 & 1) << 1 | (base >> 3 & 1);
        if (rex != 0 || rex40) {
            buf.emit8(0x40 | rex);
        }
    }

    private void opcode(int map, int opcode) {
        switch (map) {
            case MAP_NONE -> { }
            case MAP_0F -> buf.emit8(0x0F);
            case MAP_0F38 -> {
                buf.emit8(0x0F);
                buf.emit8(0x38);
            }
            case MAP_0F3A -> {
                buf.emit8(0x0F);
                buf.emit8(0x3A);
            }
            default -> throw new IllegalStateException("opcode map " + map);
        }
        buf.emit8(opcode);
    }

    private void memoryTail(int reg, Mem m, int immBytes) {
        int disp = m.displacement();
        if (m.isRipRelative()) {
            buf.emit8(reg << 3 | 0b101);
            int at = buf.position();
            buf.emit32(0);
            fixups.add(new Fixup(Fixup.Kind.REL32, at, m.ripTarget(), at + 4 + immBytes, null, disp));
            return;
        }
        Gpr base = m.baseReg();
        Gpr index = m.indexReg();
        if (base == null) {
            // mod=00 with SIB base=101 means "no base, disp32"; an absent index is encoded as 100.
            buf.emit8(reg << 3 | 0b100);
            buf.emit8(index == null ? 0b00_100_101 : scaleBits(m.scale()) << 6 | (index.index() & 7) << 3 | 0b101);
            buf.emit32(disp);
            return;
        }
        int baseLow = base.index() & 7;
        int dispBytes = m.forcedDispBytes();
        if (dispBytes == 0) {
            // rbp/r13 as base with mod=00 would mean rip / no-base, so they always carry a displacement.
            dispBytes = disp == 0 && baseLow != 0b101 ? 0 : (disp == (byte) disp ? 1 : 4);
        }
        int mod = switch (dispBytes) {
            case 0 -> 0b00;
            case 1 -> 0b01;
            default -> 0b10;
        };
        if (index == null && baseLow != 0b100) {
            buf.emit8(mod << 6 | reg << 3 | baseLow);
        } else {
            // rsp/r12 as base, or any index, need a SIB byte; "no index" is index field 100.
            buf.emit8(mod << 6 | reg << 3 | 0b100);
            int sib = index == null ? 0b00_100_000 | baseLow
                : scaleBits(m.scale()) << 6 | (index.index() & 7) << 3 | baseLow;
            buf.emit8(sib);
        }
        if (dispBytes == 1) {
            buf.emit8(disp);
        } else if (dispBytes == 4) {
            buf.emit32(disp);
        }
    }

    private static int scaleBits(int scale) {
        return switch (scale) {
            case 1 -> 0;
            case 2 -> 1;
            case 4 -> 2;
            case 8 -> 3;
            default -> throw new IllegalStateException("scale " + scale);
        };
    }
}
