package dev.keep.loader.invoke.kvm;

import dev.keep.loader.invoke.RangeCheckedMemory;
import dev.keep.shim.store.StoreInstance;

/** A linear memory in a store keep, read and written in the keep's memory while the keep waits. */
final class KvmKeepMemory extends RangeCheckedMemory {
    private final KvmStore store;
    private final StoreInstance.StoreMemory memory;

    KvmKeepMemory(KvmStore store, StoreInstance.StoreMemory memory, String label) {
        super(label);
        this.store = store;
        this.memory = memory;
    }

    @Override
    public int pages() {
        return store.run(() -> (int) (memory.byteSize() / PAGE_BYTES));
    }

    @Override
    protected byte[] readInside(int offset, int length) {
        return store.run(() -> memory.read(offset, length));
    }

    @Override
    protected void writeInside(int offset, byte[] bytes) {
        store.run(() -> {
            memory.write(offset, bytes);
            return null;
        });
    }
}
