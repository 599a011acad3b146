package dev.keep.shim.image;

/**
 * The bytes of the identity-mapped system area (page tables, GDT, IDT, TSS, stubs), addressed by
 * guest-physical address, with little-endian stores.
 */
final class SystemArea {
    private final byte[] bytes;

    SystemArea(int size) {
        this.bytes = new byte[size];
    }

    void putLong(long address, long value) {
        for (int i = 0; i < 8; i++) {
            bytes[index(address, 8) + i] = (byte) (value >>> (8 * i));
        }
    }

    long getLong(long address) {
        long value = 0;
        int at = index(address, 8);
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (bytes[at + i] & 0xFF);
        }
        return value;
    }

    int getByte(long address) {
        return bytes[index(address, 1)] & 0xFF;
    }

    void putByte(long address, int value) {
        bytes[index(address, 1)] = (byte) value;
    }

    void putShort(long address, int value) {
        int at = index(address, 2);
        bytes[at] = (byte) value;
        bytes[at + 1] = (byte) (value >>> 8);
    }

    void put(long address, byte[] data) {
        System.arraycopy(data, 0, bytes, index(address, data.length), data.length);
    }

    void fill(long address, int length, int value) {
        java.util.Arrays.fill(bytes, index(address, length), index(address, length) + length,
                (byte) value);
    }

    /** The first {@code length} bytes. */
    byte[] prefix(int length) {
        return java.util.Arrays.copyOf(bytes, length);
    }

    /** {@code length} bytes from {@code address}. */
    byte[] slice(long address, int length) {
        int from = index(address, length);
        return java.util.Arrays.copyOfRange(bytes, from, from + length);
    }

    private int index(long address, int length) {
        if (address < 0 || address + length > bytes.length) {
            throw new IllegalStateException(String.format(
                    "system-area store at %#x (+%d) is outside the area", address, length));
        }
        return (int) address;
    }
}
