package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import java.util.List;

/** Parameter and result types of a block, loop, if or function body. */
record BlockType(List<ValType> params, List<ValType> results) {
    static final BlockType EMPTY = new BlockType(List.of(), List.of());

    static BlockType of(FunctionType type) {
        return new BlockType(type.params(), type.returns());
    }
}
