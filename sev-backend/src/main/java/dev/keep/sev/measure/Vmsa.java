package dev.keep.sev.measure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds the 4 KiB VMSA page of one vCPU, field by field, so that its SHA-384 can be added to a
 * {@link LaunchDigest}. Every field not set stays zero, as in the page KVM fills in
 * {@code sev_es_sync_vmsa}. Values are stored little-endian and truncated to the field's width.
 */
public final class Vmsa {

    private final ByteBuffer page = ByteBuffer.allocate(LaunchDigest.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);

    public Vmsa set(VmsaField field, long value) {
        int at = field.offset();
        switch (field.width()) {
            case 1 -> page.put(at, (byte) value);
            case 2 -> page.putShort(at, (short) value);
            case 4 -> page.putInt(at, (int) value);
            default -> page.putLong(at, value);
        }
        return this;
    }

    public long get(VmsaField field) {
        int at = field.offset();
        return switch (field.width()) {
            case 1 -> page.get(at) & 0xFFL;
            case 2 -> page.getShort(at) & 0xFFFFL;
            case 4 -> page.getInt(at) & 0xFFFF_FFFFL;
            default -> page.getLong(at);
        };
    }

    public Vmsa segment(SegmentRegister register, int selector, int attrib, long limit, long base) {
        int at = register.offset();
        page.putShort(at, (short) selector);
        page.putShort(at + 2, (short) attrib);
        page.putInt(at + 4, (int) limit);
        page.putLong(at + 8, base);
        return this;
    }

    /** Writes raw bytes, for the x87/XMM/YMM register files; refuses writes past the save area. */
    public Vmsa setBytes(int offset, byte[] bytes) {
        if (bytes == null || offset < 0 || offset + bytes.length > VmsaField.SAVE_AREA_END) {
            throw new IllegalArgumentException("VMSA write outside the save area (0..0x670)");
        }
        page.put(offset, bytes);
        return this;
    }

    /** The page as 4096 bytes (a copy). */
    public byte[] toPage() {
        return page.array().clone();
    }
}
