package dev.keep.shim.asm;

/**
 * A general-purpose register of one width. {@code index} is the hardware number 0..15 (REX extends
 * 8..15); the 8-bit views of 4..7 are spl/bpl/sil/dil, which always need a REX prefix. The legacy
 * high-byte registers ah/ch/dh/bh are deliberately not offered: they cannot be mixed with REX and a
 * compiler never needs them.
 */
public final class Gpr implements GprOrMem {
    private static final String[] NAMES64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] NAMES32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] NAMES16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] NAMES8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
        "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
    private static final Gpr[][] ALL = new Gpr[4][16];

    static {
        Width[] widths = Width.values();
        for (int w = 0; w < widths.length; w++) {
            for (int i = 0; i < 16; i++) {
                ALL[w][i] = new Gpr(i, widths[w]);
            }
        }
    }

    private final int index;
    private final Width width;

    private Gpr(int index, Width width) {
        this.index = index;
        this.width = width;
    }

    /** The register with hardware number {@code index} (0..15) viewed at {@code width}. */
    public static Gpr of(int index, Width width) {
        if (index < 0 || index > 15) {
            throw new IllegalArgumentException("general register number " + index + " is not in 0..15");
        }
        return ALL[width.ordinal()][index];
    }

    public int index() {
        return index;
    }

    public Width width() {
        return width;
    }

    public int bits() {
        return width.bits();
    }

    /** The same register at another width, e.g. {@code RAX.as(Width.DWORD) == EAX}. */
    public Gpr as(Width other) {
        return of(index, other);
    }

    /** Intel-syntax name, e.g. {@code r12d}. */
    public String name() {
        return switch (width) {
            case BYTE -> NAMES8[index];
            case WORD -> NAMES16[index];
            case DWORD -> NAMES32[index];
            case QWORD -> NAMES64[index];
        };
    }

    @Override
    public String toString() {
        return name();
    }
}
