package dev.keep.sev.measure.ovmf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.UUID;

/** GUIDs in the mixed-endian byte order EFI firmware stores them in. */
final class Guids {
    private Guids() {
    }

    /** The 16 bytes of an EFI GUID: the first three fields little-endian, the last eight bytes as written. */
    static byte[] toEfiBytes(UUID guid) {
        ByteBuffer big = ByteBuffer.allocate(16).putLong(guid.getMostSignificantBits())
                .putLong(guid.getLeastSignificantBits());
        byte[] b = big.array();
        return new byte[] {
            b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6],
            b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
        };
    }

    static UUID fromEfiBytes(byte[] data, int offset) {
        ByteBuffer le = ByteBuffer.wrap(data, offset, 16).order(ByteOrder.LITTLE_ENDIAN);
        long d1 = le.getInt() & 0xFFFF_FFFFL;
        long d2 = le.getShort() & 0xFFFFL;
        long d3 = le.getShort() & 0xFFFFL;
        long high = (d1 << 32) | (d2 << 16) | d3;
        long low = ByteBuffer.wrap(data, offset + 8, 8).order(ByteOrder.BIG_ENDIAN).getLong();
        return new UUID(high, low);
    }
}
