package dev.keep.loader.kvm;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Interrupts a blocking system call (KVM_RUN) in one particular thread by sending it SIGPIPE with
 * tgkill. The signal must have a handler, or the kernel drops it and KVM_RUN never sees it:
 * HotSpot installs a handler for SIGPIPE that ignores it, so the signal wakes the thread (KVM_RUN
 * returns EINTR) and does nothing else. The owning thread registers itself with
 * {@link #register()} and calls {@link #unregister()} before it ends, and {@link #kick()} only
 * signals while the thread is registered, so a recycled thread id is never hit.
 */
public final class ThreadKicker {
    /** SIGPIPE on x86-64 Linux. */
    static final int SIGPIPE = 13;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle GETTID = handle("gettid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPID = handle("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle TGKILL = handle("tgkill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));

    private int threadId;

    @SuppressWarnings("restricted") // SAFETY: the descriptors match the glibc prototypes.
    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new IllegalStateException("libc has no " + name));
        return LINKER.downcallHandle(symbol, descriptor);
    }

    /** Called by the thread to be kicked, before it blocks. */
    public synchronized void register() {
        threadId = call(GETTID);
    }

    /** Called by the kicked thread before it finishes; later kicks do nothing. */
    public synchronized void unregister() {
        threadId = 0;
    }

    /** Signals the registered thread; false when no thread is registered. */
    public synchronized boolean kick() {
        if (threadId == 0) {
            return false;
        }
        try {
            int result = (int) TGKILL.invokeExact(call(GETPID), threadId, SIGPIPE);
            return result == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("tgkill failed: " + t, t);
        }
    }

    private static int call(MethodHandle handle) {
        try {
            return (int) handle.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("libc call failed: " + t, t);
        }
    }
}
