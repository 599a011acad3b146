package dev.keep.loader.kvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The watchdog's signal must interrupt a blocking system call in exactly the target thread, as it
 * must interrupt KVM_RUN. poll(2) with a long timeout stands in for KVM_RUN: both return EINTR
 * when a handled signal arrives, and neither is restarted.
 */
class ThreadKickerTest {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final MethodHandle POLL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("poll").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO);
    private static final VarHandle ERRNO_HANDLE = Linker.Option.captureStateLayout()
            .varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));

    /** {result, errno} of poll(NULL, 0, 30 s). */
    private static int[] blockInPoll() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int result = (int) POLL.invokeExact(state, MemorySegment.NULL, 0L, 30_000);
            return new int[] {result, (int) ERRNO_HANDLE.get(state, 0L)};
        }
    }

    @Test
    void kickInterruptsABlockingCallInTheRegisteredThreadOnly() throws Exception {
        ThreadKicker kicker = new ThreadKicker();
        CountDownLatch registered = new CountDownLatch(1);
        CompletableFuture<int[]> outcome = new CompletableFuture<>();
        Thread blocked = Thread.ofPlatform().start(() -> {
            kicker.register();
            registered.countDown();
            try {
                outcome.complete(blockInPoll());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            } finally {
                kicker.unregister();
            }
        });
        assertTrue(registered.await(5, TimeUnit.SECONDS));
        long start = System.nanoTime();
        // Repeat like the runner does: the first signal may arrive before poll() is entered.
        int[] result = null;
        while (result == null && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
            assertTrue(kicker.kick() || outcome.isDone());
            try {
                result = outcome.get(20, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException notYet) {
                // kick again
            }
        }
        assertTrue(result != null, "poll was not interrupted");
        assertEquals(-1, result[0]);
        assertEquals(4, result[1], "EINTR");
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10));
        blocked.join(5000);
        assertFalse(blocked.isAlive());
        assertFalse(kicker.kick(), "no thread registered any more: nothing is signalled");
    }
}
