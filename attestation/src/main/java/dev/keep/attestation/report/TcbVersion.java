package dev.keep.attestation.report;

/**
 * A decoded TCB_VERSION: the security patch level (SPL) of each firmware component. {@code fmc} is only
 * meaningful for the Turin layout and is -1 for the legacy layout, which has no FMC component.
 *
 * @param raw the 8 bytes as a little-endian integer, kept so the value can be re-encoded and shown exactly
 */
public record TcbVersion(TcbLayout layout, long raw, int fmc, int bootloader, int tee, int snp, int microcode) {

    public static TcbVersion decode(long raw, TcbLayout layout) {
        return switch (layout) {
            case LEGACY -> new TcbVersion(layout, raw, -1, byteAt(raw, 0), byteAt(raw, 1), byteAt(raw, 6),
                    byteAt(raw, 7));
            case TURIN -> new TcbVersion(layout, raw, byteAt(raw, 0), byteAt(raw, 1), byteAt(raw, 2), byteAt(raw, 3),
                    byteAt(raw, 7));
        };
    }

    /** Builds a TCB from its components (fmc ignored for the legacy layout), for policies and tests. */
    public static TcbVersion of(TcbLayout layout, int fmc, int bootloader, int tee, int snp, int microcode) {
        long raw = switch (layout) {
            case LEGACY -> put(0, bootloader) | put(1, tee) | put(6, snp) | put(7, microcode);
            case TURIN -> put(0, fmc) | put(1, bootloader) | put(2, tee) | put(3, snp) | put(7, microcode);
        };
        return decode(raw, layout);
    }

    public boolean hasFmc() {
        return layout == TcbLayout.TURIN;
    }

    /** True when the reserved bytes of this layout are all zero. */
    public boolean reservedBytesZero() {
        long reservedMask = switch (layout) {
            case LEGACY -> 0x0000_FFFF_FFFF_0000L;
            case TURIN -> 0x00FF_FFFF_0000_0000L;
        };
        return (raw & reservedMask) == 0;
    }

    /** The 16 hex digits of the 8 bytes in memory order, as they appear in a report dump. */
    public String rawHex() {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) byteAt(raw, i);
        }
        return Hex.encode(b);
    }

    @Override
    public String toString() {
        String base = "bl=" + bootloader + " tee=" + tee + " snp=" + snp + " ucode=" + microcode;
        return hasFmc() ? "fmc=" + fmc + " " + base : base;
    }

    private static int byteAt(long raw, int index) {
        return (int) ((raw >>> (8 * index)) & 0xFF);
    }

    private static long put(int index, int value) {
        if (value < 0 || value > 0xFF) {
            throw new IllegalArgumentException("SPL value " + value + " is outside 0..255");
        }
        return ((long) value) << (8 * index);
    }
}
