package dev.keep.shim.compiler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One thread's execution state for compiled code: the Wasm stack (mmap'd, 8 MiB) and the runtime
 * record every instance on it points to ({@link ContextLayout#RUNTIME}).
 */
final class NativeRuntime implements AutoCloseable {
    private static final long STACK_BYTES = 8L << 20;
    /** Spill and call headroom left below the limit checked at function entry. */
    private static final long STACK_MARGIN = 256L << 10;

    private final Arena arena = Arena.ofConfined();
    private final MemorySegment stack;
    private final MemorySegment record;

    NativeRuntime() {
        stack = NativeMemory.map(STACK_BYTES, NativeMemory.PROT_READ | NativeMemory.PROT_WRITE);
        record = arena.allocate(ContextLayout.RUNTIME_RECORD_BYTES, 16);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.RT_STACK_LIMIT, stack.address() + STACK_MARGIN);
        record.set(ValueLayout.JAVA_LONG, ContextLayout.RT_STACK_TOP, stack.address() + STACK_BYTES);
    }

    long address() {
        return record.address();
    }

    long trapCode() {
        return record.get(ValueLayout.JAVA_LONG, ContextLayout.RT_TRAP_CODE);
    }

    @Override
    public void close() {
        NativeMemory.unmap(stack);
        arena.close();
    }
}
