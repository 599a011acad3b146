package dev.keep.loader.wasi.suite;

import java.time.Duration;

/**
 * What one run of a test program gave: how it ended and what it wrote.
 *
 * @param ending how the run ended
 * @param stdout what the program wrote to stdout (UTF-8)
 * @param stderr what the program wrote to stderr (UTF-8)
 */
record Observation(Ending ending, String stdout, String stderr) {

    /** How a run ended. */
    sealed interface Ending {}

    /** The program exited with {@code status} (proc_exit, or 0 on returning from _start). */
    record Exited(int status) implements Ending {}

    /** The program hit a WebAssembly trap. */
    record Trapped(String message) implements Ending {}

    /** Keep could not run the program (it does not link, the backend refused it, ...). */
    record NotRun(String message) implements Ending {}

    /**
     * The program was still running at the time limit.
     *
     * @param stopped whether it stopped when interrupted; if not, its thread is abandoned
     */
    record TimedOut(Duration limit, boolean stopped) implements Ending {}
}
