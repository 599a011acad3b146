package dev.keep.loader.invoke.kvm;

import dev.keep.loader.KeepException;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.loader.hostcall.StoreCalls;
import dev.keep.loader.invoke.ModuleExited;
import dev.keep.loader.kvm.KeepOutcome;
import dev.keep.loader.kvm.StoreCpu;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.store.Store;
import dev.keep.shim.store.StoreException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A running store keep and the hand-over between the host's thread and the keep's: the keep's
 * AWAIT (on its vCPU thread) hands the host the last call's status and blocks for the next call;
 * the host's {@link #call} hands over a call and blocks for its status. Only one side runs at a
 * time, so the host reads and writes the keep's memory only while the keep waits.
 */
final class StoreSession implements Store.Calls, StoreCalls, AutoCloseable {
    /** How long a stopping keep may take to end before it is left to its thread. */
    private static final long END_WAIT_MS = 10_000;
    private static final Object END = new Object();

    private sealed interface FromKeep {
    }

    private record Status(int value) implements FromKeep {
    }

    /** @param exitStatus the status of a module's proc_exit, or -1 when the keep ended otherwise */
    private record Ended(String why, int exitStatus) implements FromKeep {
    }

    private final BlockingQueue<Object> toKeep = new LinkedBlockingQueue<>();
    private final BlockingQueue<FromKeep> fromKeep = new LinkedBlockingQueue<>();
    private final Duration callLimit;
    private final Thread thread;
    private volatile MemorySegment memory;
    private volatile String endedBecause;

    private StoreSession(StoreCpu cpu, KeepImage image, Duration callLimit, OutputStream stdout,
            OutputStream stderr) {
        this.callLimit = callLimit;
        this.thread = Thread.ofPlatform().name("store-keep").daemon().unstarted(() -> {
            String why;
            int exitStatus = -1;
            try {
                HostcallDispatcher host = new HostcallDispatcher(stdout, stderr, this);
                KeepOutcome outcome = cpu.run(image, host, m -> memory = m);
                if (outcome instanceof KeepOutcome.Exited exited && endedBecause == null) {
                    // An EXIT the host did not ask for (by closing) is a module's proc_exit.
                    exitStatus = exited.status();
                    why = "a module called proc_exit(" + exitStatus + ")";
                } else {
                    why = outcome instanceof KeepOutcome.Exited ? "it was closed" : outcome.describe();
                }
            } catch (Exception | Error e) {
                why = e.getMessage() == null ? e.toString() : e.getMessage();
            }
            fromKeep.add(new Ended(why, exitStatus));
        });
    }

    /**
     * Starts the keep and waits until it asks for its first call.
     *
     * @param callLimit how long one call (or the start) may run before the keep is stopped
     * @param stdout receives what modules write to fd 1 through WASI
     * @param stderr receives what modules write to fd 2 through WASI
     * @throws KeepException when the keep cannot start; one line
     */
    static StoreSession start(StoreCpu cpu, KeepImage image, Duration callLimit, OutputStream stdout,
            OutputStream stderr) {
        StoreSession session = new StoreSession(cpu, image, callLimit, stdout, stderr);
        session.thread.start();
        int ready;
        try {
            ready = session.awaitStatus("start");
        } catch (StoreException e) {
            throw new KeepException("cannot start the store keep: " + e.getMessage(), e);
        }
        if (ready != 0) {
            session.close();
            throw new KeepException("the store keep started with status " + ready + ", expected 0");
        }
        return session;
    }

    /** The keep's guest-physical memory. */
    MemorySegment memory() {
        return memory;
    }

    /**
     * Throws when the keep has ended: its memory is then gone (unmapped, on KVM), so nothing may
     * touch it any more.
     */
    void requireAlive() {
        if (endedBecause != null) {
            throw new StoreException("the store keep has ended: " + endedBecause);
        }
    }

    @Override
    public int call(long trampoline, long context, long values, long function) {
        requireAlive();
        toKeep.add(new Call(trampoline, context, values, function));
        return awaitStatus("call");
    }

    private int awaitStatus(String what) {
        FromKeep answer;
        try {
            answer = fromKeep.poll(callLimit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            throw new StoreException("interrupted while the store keep ran a " + what);
        }
        if (answer == null) {
            stop();
            throw new StoreException("the " + what + " ran longer than " + callLimit.toSeconds()
                    + " s; the store keep was stopped");
        }
        return switch (answer) {
            case Status s -> s.value();
            case Ended e -> {
                endedBecause = e.why();
                if (e.exitStatus() >= 0) {
                    throw new ModuleExited(e.exitStatus());
                }
                throw new StoreException("the store keep ended during a " + what + ": " + e.why());
            }
        };
    }

    /** Runs on the keep's vCPU thread, in its AWAIT. */
    @Override
    public Optional<Call> next(int previousStatus) {
        fromKeep.add(new Status(previousStatus));
        try {
            Object next = toKeep.take();
            return next == END ? Optional.empty() : Optional.of((Call) next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Stops a keep that is running a call: interrupting the runner's thread stops its vCPU. */
    private void stop() {
        toKeep.add(END);                 // ends a keep that is waiting in AWAIT after all
        thread.interrupt();
        try {
            FromKeep last = fromKeep.poll(END_WAIT_MS, TimeUnit.MILLISECONDS);
            endedBecause = last instanceof Ended e ? "stopped (" + e.why() + ")" : "stopped";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            endedBecause = "stopped";
        }
    }

    /** Ends the keep: it is waiting in AWAIT, which now ends it. */
    @Override
    public void close() {
        if (endedBecause != null) {
            return;
        }
        endedBecause = "it was closed";
        toKeep.add(END);
        try {
            thread.join(END_WAIT_MS);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(END_WAIT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
