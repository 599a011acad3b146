package dev.keep.loader.nil;

import com.dylibso.chicory.log.Logger;
import java.util.function.Consumer;

/**
 * Chicory's log, sent to {@code keep run -v} instead of the JDK logger it uses by default. The app's
 * stderr belongs to the app: a WASI call Chicory does not support (for example
 * {@code fd_fdstat_set_rights}) already answers the app with an errno, and a SEVERE line from the
 * runtime in the middle of the app's output would only confuse whoever reads it.
 */
final class ChicoryLog implements Logger {
    private final Consumer<String> verbose;

    ChicoryLog(Consumer<String> verbose) {
        this.verbose = verbose;
    }

    @Override
    public void log(Level level, String message, Throwable error) {
        verbose.accept("nil: chicory " + level.name().toLowerCase(java.util.Locale.ROOT) + ": " + message
                + (error == null ? "" : " (" + error + ")"));
    }

    @Override
    public boolean isLoggable(Level level) {
        // Warnings and errors only: Chicory's debug and trace lines describe every call.
        return level.compareTo(Level.WARNING) >= 0;
    }
}
