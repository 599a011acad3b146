package dev.keep.shim.asm;

/** Operand size of an instruction whose size no register operand implies (memory destinations). */
public enum Width {
    BYTE(1), WORD(2), DWORD(4), QWORD(8);

    private final int bytes;

    Width(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public int bits() {
        return bytes * 8;
    }

    static Width ofBits(int bits) {
        return switch (bits) {
            case 8 -> BYTE;
            case 16 -> WORD;
            case 32 -> DWORD;
            case 64 -> QWORD;
            default -> throw new IllegalArgumentException("no operand width of " + bits + " bits");
        };
    }
}
