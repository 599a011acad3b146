package dev.keep.loader;

/**
 * Exit statuses of the {@code keep} command, documented in the README. An app's own {@code proc_exit}
 * code is passed through unchanged, so these only apply when the app did not choose its status.
 */
public final class ExitCodes {
    /** Keep could not start or finish the app: bad input, bad configuration, backend unavailable. */
    public static final int KEEP_ERROR = 1;
    /** The command line itself was wrong (unknown option, missing argument, malformed value). */
    public static final int USAGE = 2;
    /** The app hit a WebAssembly trap; as wasmtime does, 128 + SIGABRT. */
    public static final int TRAP = 134;

    private ExitCodes() {}
}
