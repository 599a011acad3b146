package dev.keep.loader;

/**
 * A failure that Keep reports to its user as one line (a missing file, a module that does not
 * validate, a backend that is unavailable, a bad Keep.toml). The message is complete on its own: the
 * CLI prints it after "keep: " and exits non-zero, without a stack trace unless asked for one.
 */
public class KeepException extends RuntimeException {
    public KeepException(String message) {
        super(message);
    }

    public KeepException(String message, Throwable cause) {
        super(message, cause);
    }
}
