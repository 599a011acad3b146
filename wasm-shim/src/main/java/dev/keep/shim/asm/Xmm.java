package dev.keep.shim.asm;

/** One of the sixteen SSE registers xmm0..xmm15. */
public final class Xmm implements XmmOrMem {
    private static final Xmm[] ALL = new Xmm[16];

    static {
        for (int i = 0; i < 16; i++) {
            ALL[i] = new Xmm(i);
        }
    }

    private final int index;

    private Xmm(int index) {
        this.index = index;
    }

    public static Xmm of(int index) {
        if (index < 0 || index > 15) {
            throw new IllegalArgumentException("xmm register number " + index + " is not in 0..15");
        }
        return ALL[index];
    }

    public int index() {
        return index;
    }

    public String name() {
        return "xmm" + index;
    }

    @Override
    public String toString() {
        return name();
    }
}
