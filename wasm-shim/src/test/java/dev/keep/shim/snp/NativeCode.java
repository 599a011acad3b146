package dev.keep.shim.snp;

import dev.keep.shim.compiler.NativeMemory;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Emitted keep code made runnable in this process: an anonymous mapping filled while writable, then
 * switched to read+execute, with System V downcall handles at given offsets. The keep code uses the
 * System V convention exactly so that these tests run the very bytes a keep would run.
 */
public final class NativeCode implements AutoCloseable {
    private static final long PAGE = 4096;
    private static final Linker LINKER = Linker.nativeLinker();

    private final MemorySegment code;

    public NativeCode(byte[] bytes) {
        long size = (bytes.length + PAGE - 1) / PAGE * PAGE;
        code = NativeMemory.map(size, NativeMemory.PROT_READ | NativeMemory.PROT_WRITE);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, code, 0, bytes.length);
        NativeMemory.protect(code, NativeMemory.PROT_READ | NativeMemory.PROT_EXEC);
    }

    /** A handle on the function starting {@code offset} bytes into the code. */
    public MethodHandle function(int offset, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(MemorySegment.ofAddress(code.address() + offset), descriptor);
    }

    @Override
    public void close() {
        NativeMemory.unmap(code);
    }
}
