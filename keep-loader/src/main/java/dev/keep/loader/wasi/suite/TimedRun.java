package dev.keep.loader.wasi.suite;

import dev.keep.loader.KeepException;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.run.RunRequest;
import dev.keep.loader.run.RunResult;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one program through {@link KeepRunner} on its own thread, so that a program that never ends
 * becomes a failed test instead of a hung runner. At the limit the thread is interrupted, which the
 * nil backend's compiled code checks at calls and loop back-edges; a thread that still does not stop
 * is abandoned (it is a daemon, so it cannot keep the JVM alive).
 */
final class TimedRun {
    /** How long an interrupted run has to stop before it is abandoned. */
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    private TimedRun() {}

    static Observation.Ending run(KeepRunner runner, RunRequest request, Duration limit, String threadName) {
        AtomicReference<Observation.Ending> ending = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().daemon().name(threadName).unstarted(() -> ending.set(runCaught(runner, request)));
        thread.start();
        try {
            thread.join(limit);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(STOP_GRACE);
                return new Observation.TimedOut(limit, !thread.isAlive());
            }
        } catch (InterruptedException e) {
            // The runner itself is being stopped: stop the program too and say so.
            thread.interrupt();
            Thread.currentThread().interrupt();
            return new Observation.NotRun("interrupted before the program ended");
        }
        return ending.get();
    }

    private static Observation.Ending runCaught(KeepRunner runner, RunRequest request) {
        try {
            return switch (runner.run(request)) {
                case RunResult.Exited exited -> new Observation.Exited(exited.status());
                case RunResult.Trapped trapped -> new Observation.Trapped(trapped.message());
            };
        } catch (KeepException e) {
            return new Observation.NotRun(e.getMessage());
        } catch (RuntimeException | Error e) {
            // One test's crash of the runtime must not end the whole suite.
            return new Observation.NotRun("internal error: " + e);
        }
    }
}
