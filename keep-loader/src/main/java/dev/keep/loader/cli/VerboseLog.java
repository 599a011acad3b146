package dev.keep.loader.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;

/** Where a command's {@code -v} lines go: "keep: LINE" on its error stream, or nowhere without -v. */
final class VerboseLog {
    private VerboseLog() {}

    static Consumer<String> to(PrintWriter err, boolean verbose) {
        if (!verbose) {
            return line -> { };
        }
        return line -> {
            err.println("keep: " + line);
            err.flush();
        };
    }
}
