package dev.keep.shim.store;

/** A store cannot do what it was asked (an arena is full, a name is unknown); one line. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }
}
