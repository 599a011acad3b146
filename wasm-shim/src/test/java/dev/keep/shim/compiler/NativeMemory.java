package dev.keep.shim.compiler;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** mmap / mprotect / munmap through Panama, for executable code and reserved regions (tests only). */
public final class NativeMemory {
    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    private static final int MAP_PRIVATE = 0x02;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final int MAP_FIXED = 0x10;
    private static final int MAP_NORESERVE = 0x4000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle MMAP = handle("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MPROTECT = handle("mprotect", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle MUNMAP = handle("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));

    private NativeMemory() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd);
    }

    /** Anonymous private mapping, zero-filled, not counted against commit until touched. */
    public static MemorySegment map(long size, int prot) {
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, prot,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0L);
            if (p.address() == -1L) {
                throw new IllegalStateException("mmap of " + size + " bytes failed");
            }
            return p.reinterpret(size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Replaces [address, address + size) of an existing reservation with fresh inaccessible pages:
     * their contents are dropped and the range stays reserved (MAP_FIXED over our own mapping).
     */
    public static void resetToNone(long address, long size) {
        try {
            MemorySegment p = (MemorySegment) MMAP.invokeExact(MemorySegment.ofAddress(address), size, PROT_NONE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0L);
            if (p.address() != address) {
                throw new IllegalStateException("mmap MAP_FIXED of " + size + " bytes failed");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mprotect of [address, address + size); false when the kernel refuses (for example ENOMEM). */
    public static boolean tryProtect(long address, long size, int prot) {
        try {
            return (int) MPROTECT.invokeExact(MemorySegment.ofAddress(address), size, prot) == 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void protect(MemorySegment segment, int prot) {
        try {
            int rc = (int) MPROTECT.invokeExact(segment, segment.byteSize(), prot);
            if (rc != 0) {
                throw new IllegalStateException("mprotect failed");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void unmap(MemorySegment segment) {
        try {
            int rc = (int) MUNMAP.invokeExact(segment, segment.byteSize());
            if (rc != 0) {
                throw new IllegalStateException("munmap failed");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
