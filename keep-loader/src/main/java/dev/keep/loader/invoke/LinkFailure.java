package dev.keep.loader.invoke;

import dev.keep.loader.KeepException;

/**
 * A module whose imports cannot be satisfied: an unknown import, or one of the wrong kind, type or
 * limits (the spec's "unlinkable"). Nothing of the module ran.
 */
public final class LinkFailure extends KeepException {
    public LinkFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
