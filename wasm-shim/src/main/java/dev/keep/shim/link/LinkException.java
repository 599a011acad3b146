package dev.keep.shim.link;

/**
 * The module cannot become a keep image: it does not compile, imports something the in-keep runtime
 * does not provide, lacks a usable {@code _start}, or cannot be instantiated (a data or element
 * segment out of bounds). The message is one line.
 */
public final class LinkException extends RuntimeException {
    public LinkException(String message) {
        super(message);
    }

    public LinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
