package dev.keep.loader.jail;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;

/**
 * Gets the runner's JVM ready for the app while its main thread links its Panama calls and waits
 * for the supervisor's instructions: on a second thread it parses and instantiates a built-in empty
 * module, which loads and initialises the Chicory classes (parser, validator, instance, memory) the
 * app's run needs next. On a host with two or more CPUs that work overlaps the wait; it runs no app
 * code and ends before the seccomp filter goes on.
 */
final class RunnerWarmUp {
    /** {@code (module (memory 1) (func (export "_start")))}, as bytes: nothing to assemble at run time. */
    static final byte[] EMPTY_COMMAND = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: () -> ()
        0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
        0x05, 0x03, 0x01, 0x00, 0x01, // memory section: one memory, min 1 page
        0x07, 0x0a, 0x01, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00, // export "_start" = func 0
        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b, // code section: an empty body
    };

    private final Thread thread;

    private RunnerWarmUp(Thread thread) {
        this.thread = thread;
    }

    /** Starts warming up on a thread of its own. */
    static RunnerWarmUp start() {
        Thread thread = new Thread(() -> {
            try {
                Instance.builder(Parser.parse(EMPTY_COMMAND)).build(); // runs the empty _start
            } catch (RuntimeException e) {
                // Only time is lost: the app's run loads the same classes itself.
            }
        }, "keep-runner-warm-up");
        thread.setDaemon(true);
        thread.start();
        return new RunnerWarmUp(thread);
    }

    /** Waits for the warm-up to end, so that the runner is single-threaded again when seccomp goes on. */
    void finish() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
