package dev.keep.loader.run;

/** How an app ended. */
public sealed interface RunResult {
    /** The app returned from {@code _start} (status 0) or called {@code proc_exit(status)}. */
    record Exited(int status) implements RunResult {}

    /** The app hit a WebAssembly trap; {@code message} is the trap's description. */
    record Trapped(String message) implements RunResult {}
}
