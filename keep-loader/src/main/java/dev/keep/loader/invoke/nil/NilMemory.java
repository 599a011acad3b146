package dev.keep.loader.invoke.nil;

import com.dylibso.chicory.runtime.Memory;
import dev.keep.loader.invoke.RangeCheckedMemory;

/** A Chicory memory behind the {@link dev.keep.loader.invoke.KeepMemory} interface, with every range checked first. */
final class NilMemory extends RangeCheckedMemory {
    private final Memory memory;

    NilMemory(Memory memory, String label) {
        super(label);
        this.memory = memory;
    }

    @Override
    public int pages() {
        return memory.pages();
    }

    @Override
    protected byte[] readInside(int offset, int length) {
        return memory.readBytes(offset, length);
    }

    @Override
    protected void writeInside(int offset, byte[] bytes) {
        memory.write(offset, bytes);
    }
}
