package dev.keep.loader.natives;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * What Keep's libc downcalls of the WASI host share: handles that capture errno at the call
 * (reading it later would see whatever the JVM did in between), one capture buffer per thread, and
 * the convention that a failed call returns {@code -errno}, so callers map the error where they know
 * what it means. Each call site still invokes its handle itself: {@code invokeExact} needs the exact
 * static types there.
 */
public final class ErrnoDowncalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private ErrnoDowncalls() {}

    /** A downcall handle to libc's {@code name} whose first argument is the capture buffer. */
    @SuppressWarnings("restricted") // SAFETY: callers pass descriptors matching the glibc prototype.
    public static MethodHandle capturing(String name, FunctionDescriptor descriptor,
            Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = Linker.Option.captureCallState("errno");
        System.arraycopy(extra, 0, options, 1, extra.length);
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** This thread's capture buffer, to pass as a handle's first argument. */
    public static MemorySegment state() {
        return STATE.get();
    }

    /** The call's value, or {@code -errno} when it failed (returned a negative value). */
    public static long result(long value, MemorySegment state) {
        return value < 0 ? -(int) ERRNO.get(state, 0L) : value;
    }

    /** The exception for a handle that could not be invoked at all (never a libc error). */
    public static IllegalStateException downcallFailed(String call, Throwable t) {
        return new IllegalStateException("native call " + call + " could not be made: " + t, t);
    }
}
