package dev.keep.loader.jail;

import dev.keep.loader.KeepException;

/** The jail could not be set up or the supervisor lost its runner: one line saying which step failed. */
public class JailException extends KeepException {
    public JailException(String message) {
        super(message);
    }
}
