package dev.keep.shim.snp;

import dev.keep.shim.compiler.NativeMemory;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Anonymous pages at a fixed low address of this process, so keep code that names its pages by
 * absolute address (the image's CPUID page, its ring-0 code) runs here at the addresses it was
 * built for. MAP_FIXED_NOREPLACE: if anything already lives there the mapping fails, it never
 * replaces it.
 */
final class FixedAddressPages implements AutoCloseable {
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_FIXED_NOREPLACE = 0x10_0000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = LINKER.downcallHandle(
            LINKER.defaultLookup().find("mmap").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG));

    private final MemorySegment pages;

    /** Read/write pages at {@code address} holding {@code contents} (the rest zero). */
    FixedAddressPages(long address, long size, byte[] contents) {
        MemorySegment p;
        try {
            p = (MemorySegment) MMAP.invokeExact(MemorySegment.ofAddress(address), size,
                    NativeMemory.PROT_READ | NativeMemory.PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed", t);
        }
        if (p.address() != address) {
            throw new IllegalStateException(String.format(
                    "could not map %#x bytes at %#x (mmap gave %#x)", size, address, p.address()));
        }
        pages = p.reinterpret(size);
        MemorySegment.copy(MemorySegment.ofArray(contents), 0, pages, 0, contents.length);
    }

    /** From now on read and execute only, like the keep's code pages. */
    FixedAddressPages executable() {
        NativeMemory.protect(pages, NativeMemory.PROT_READ | NativeMemory.PROT_EXEC);
        return this;
    }

    @Override
    public void close() {
        NativeMemory.unmap(pages);
    }
}
