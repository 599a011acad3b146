package dev.keep.loader.invoke;

import dev.keep.loader.KeepException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A {@link KeepMemory} whose every access is checked against the memory's current size first, so a
 * bad offset is a one-line {@link KeepException} naming the range, whichever backend holds the bytes.
 */
public abstract class RangeCheckedMemory implements KeepMemory {
    private final String label;

    /** @param label names the memory in messages, e.g. "app.wasm: memory memory" */
    protected RangeCheckedMemory(String label) {
        this.label = label;
    }

    /** The bytes at a range already checked to lie inside the memory. */
    protected abstract byte[] readInside(int offset, int length);

    /** Writes bytes at a range already checked to lie inside the memory. */
    protected abstract void writeInside(int offset, byte[] bytes);

    @Override
    public final byte[] read(int offset, int length) {
        check(offset, length);
        return readInside(offset, length);
    }

    @Override
    public final void write(int offset, byte[] bytes) {
        check(offset, bytes.length);
        writeInside(offset, bytes);
    }

    @Override
    public int readI32(int offset) {
        return little(read(offset, 4)).getInt();
    }

    @Override
    public void writeI32(int offset, int value) {
        write(offset, little(new byte[4]).putInt(value).array());
    }

    @Override
    public long readI64(int offset) {
        return little(read(offset, 8)).getLong();
    }

    @Override
    public void writeI64(int offset, long value) {
        write(offset, little(new byte[8]).putLong(value).array());
    }

    private static ByteBuffer little(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void check(int offset, int length) {
        if (offset < 0 || length < 0 || (long) offset + length > byteSize()) {
            throw new KeepException(label + ": bytes " + Integer.toUnsignedString(offset) + ".."
                    + ((long) offset + length) + " are outside its " + byteSize() + " bytes");
        }
    }
}
