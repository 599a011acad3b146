package dev.keep.attestation.kds;

/** A KDS download failed; the message names the URL and the reason in one line. */
public final class KdsException extends Exception {
    public KdsException(String message) {
        super(message);
    }
}
