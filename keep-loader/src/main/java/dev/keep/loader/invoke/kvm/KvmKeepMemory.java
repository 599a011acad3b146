package dev.keep.loader.invoke.kvm;

import dev.keep.loader.invoke.RangeCheckedMemory;
import dev.keep.shim.store.StoreInstance;

/** A linear memory in a store keep, read and written in the keep's memory while the keep waits. */
final class KvmKeepMemory extends RangeCheckedMemory {
    private final StoreInstance.StoreMemory memory;

    KvmKeepMemory(StoreInstance.StoreMemory memory, String label) {
        super(label);
        this.memory = memory;
    }

    @Override
    public int pages() {
        return (int) (memory.byteSize() / PAGE_BYTES);
    }

    @Override
    protected byte[] readInside(int offset, int length) {
        return memory.read(offset, length);
    }

    @Override
    protected void writeInside(int offset, byte[] bytes) {
        memory.write(offset, bytes);
    }
}
