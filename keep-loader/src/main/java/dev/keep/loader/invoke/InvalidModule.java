package dev.keep.loader.invoke;

import dev.keep.loader.KeepException;

/** A module that is malformed or fails validation, found only when it was instantiated. */
public final class InvalidModule extends KeepException {
    public InvalidModule(String message, Throwable cause) {
        super(message, cause);
    }
}
