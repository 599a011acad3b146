package dev.keep.shim.asm;

import java.util.Arrays;

/** Growable little-endian byte sink with in-place patching; knows nothing about instructions. */
final class CodeBuffer {
    private byte[] bytes = new byte[256];
    private int size;

    int position() {
        return size;
    }

    void emit8(int value) {
        if (size == bytes.length) {
            bytes = Arrays.copyOf(bytes, bytes.length * 2);
        }
        bytes[size++] = (byte) value;
    }

    void emit16(int value) {
        emit8(value);
        emit8(value >>> 8);
    }

    void emit32(int value) {
        emit16(value);
        emit16(value >>> 16);
    }

    void emit64(long value) {
        emit32((int) value);
        emit32((int) (value >>> 32));
    }

    void patch8(int at, int value) {
        bytes[at] = (byte) value;
    }

    void patch32(int at, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[at + i] = (byte) (value >>> (8 * i));
        }
    }

    void patch64(int at, long value) {
        patch32(at, (int) value);
        patch32(at + 4, (int) (value >>> 32));
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }
}
