package dev.keep.loader.nil;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TableFactory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.types.Table;

/**
 * Chicory's table with entry writes bounds-checked. Chicory 1.7.5 checks table.copy's ranges with
 * 32-bit sums, so a copy to an index near 2^31 got past the check and then hit a Java
 * ArrayIndexOutOfBoundsException in {@code instance(destination)} (Keep reported an internal error).
 * Checking {@code instance} and {@code setRef} makes that copy's first entry, already past the end,
 * the trap, before anything is written. {@code ref} keeps Chicory's own check: call_indirect relies
 * on its "undefined element".
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

    private void check(int index) {
        if (index < 0 || index >= size()) {
            throw new WasmRuntimeException("out of bounds table access");
        }
    }
}
