package dev.keep.loader.invoke.nil;

import com.dylibso.chicory.runtime.Memory;
import dev.keep.loader.KeepException;
import dev.keep.loader.invoke.KeepMemory;

/** A Chicory memory behind the {@link KeepMemory} interface, with every range checked first. */
final class NilMemory implements KeepMemory {
    private final Memory memory;
    private final String label;

    NilMemory(Memory memory, String label) {
        this.memory = memory;
        this.label = label;
    }

    @Override
    public int pages() {
        return memory.pages();
    }

    @Override
    public byte[] read(int offset, int length) {
        check(offset, length);
        return memory.readBytes(offset, length);
    }

    @Override
    public void write(int offset, byte[] bytes) {
        check(offset, bytes.length);
        memory.write(offset, bytes);
    }

    @Override
    public int readI32(int offset) {
        check(offset, 4);
        return memory.readInt(offset);
    }

    @Override
    public void writeI32(int offset, int value) {
        check(offset, 4);
        memory.writeI32(offset, value);
    }

    @Override
    public long readI64(int offset) {
        check(offset, 8);
        return memory.readLong(offset);
    }

    @Override
    public void writeI64(int offset, long value) {
        check(offset, 8);
        memory.writeLong(offset, value);
    }

    private void check(int offset, int length) {
        if (offset < 0 || length < 0 || (long) offset + length > byteSize()) {
            throw new KeepException(label + ": bytes " + Integer.toUnsignedString(offset) + ".."
                    + ((long) offset + length) + " are outside its " + byteSize() + " bytes");
        }
    }
}
