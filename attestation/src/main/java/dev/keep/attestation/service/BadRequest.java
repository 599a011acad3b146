package dev.keep.attestation.service;

/** A request the service will not consider: an HTTP 4xx status and a one-line reason for the caller and the log. */
public final class BadRequest extends Exception {
    private final int status;

    public BadRequest(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
