package dev.keep.loader.nil;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TableFactory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.types.Table;
import dev.keep.shim.store.Store;

/**
 * Chicory's table with entry writes bounds-checked. Chicory 1.7.5 checks table.copy's ranges with
 * 32-bit sums, so a copy to an index near 2^31 got past the check and then hit a Java
 * ArrayIndexOutOfBoundsException in {@code instance(destination)} (Keep reported an internal error).
 * Checking {@code instance} and {@code setRef} makes that copy's first entry, already past the end,
 * the trap, before anything is written. {@code ref} keeps Chicory's own check: call_indirect relies
 * on its "undefined element".
 *
 * <p>table.grow is checked too: Chicory adds the delta to the size in 32 bits, so a delta near
 * 2^31 wrapped to a negative size and ended in a NegativeArraySizeException (and a large one asked
 * the JVM for arrays of billions of entries). A table grows to at most
 * {@link Store#TABLE_ENTRIES_MAX} entries, the kvm backend's limit too; beyond, table.grow
 * returns -1 as the spec allows.
 */
public final class BoundsCheckedTable extends TableInstance {
    /** For {@code Instance.Builder.withTableFactory}. */
    public static final TableFactory FACTORY = BoundsCheckedTable::new;

    BoundsCheckedTable(Table table, int initialValue) {
        super(table, initialValue);
    }

    @Override
    public Instance instance(int index) {
        check(index);
        return super.instance(index);
    }

    @Override
    public void setRef(int index, int value, Instance instance) {
        check(index);
        super.setRef(index, value, instance);
    }

    @Override
    public int grow(int delta, int value, Instance instance) {
        long newSize = (long) size() + Integer.toUnsignedLong(delta);
        if (newSize > Math.min(limits().max(), Store.TABLE_ENTRIES_MAX)) {
            return -1;
        }
        return super.grow(delta, value, instance);
    }

    private void check(int index) {
        if (index < 0 || index >= size()) {
            throw new WasmRuntimeException("out of bounds table access");
        }
    }
}
