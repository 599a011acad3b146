package dev.keep.shim.image;

import java.util.Set;

/**
 * The 64-bit TSS: RSP0 (stack for exceptions from ring 3), IST1, and an I/O permission bitmap that
 * allows ring 3 exactly the given ports. IOPL is 0 (PVM forces it anyway), so the bitmap alone
 * decides which {@code out} instructions exit to the VMM and which raise #GP.
 */
public final class Tss {
    private Tss() {
    }

    public static final int OFF_RSP0 = 0x04;
    public static final int OFF_IST1 = 0x24;
    public static final int OFF_IST2 = 0x2C;
    public static final int OFF_IOPB_BASE = 0x66;
    /** The architectural TSS size; the bitmap follows it directly. */
    public static final int SIZE = 0x68;
    /** One bit per port for all 65536 ports. */
    public static final int IOPB_SIZE = 8192;
    /**
     * TSS limit: the bitmap plus one trailing 0xFF byte, which the CPU may read when it checks a
     * multi-byte access at the last ports.
     */
    public static final int LIMIT = SIZE + IOPB_SIZE;

    static void write(SystemArea area, long tssAddress, long rsp0, long ist1, Set<Integer> ports) {
        write(area, tssAddress, rsp0, ist1, 0, ports);
    }

    /** As above with IST2 as well (0 leaves it unset: only SNP keeps use it, for #VC). */
    static void write(SystemArea area, long tssAddress, long rsp0, long ist1, long ist2,
            Set<Integer> ports) {
        area.putLong(tssAddress + OFF_RSP0, rsp0);
        area.putLong(tssAddress + OFF_IST1, ist1);
        area.putLong(tssAddress + OFF_IST2, ist2);
        area.putShort(tssAddress + OFF_IOPB_BASE, SIZE);
        long bitmap = tssAddress + SIZE;
        area.fill(bitmap, IOPB_SIZE + 1, 0xFF);
        for (int port : ports) {
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("I/O port " + port + " is not in 0..65535");
            }
            long at = bitmap + port / 8;
            area.putByte(at, area.getByte(at) & ~(1 << (port % 8)));
        }
    }
}
