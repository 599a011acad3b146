package dev.keep.attestation.cert;

/** A certificate or CRL file could not be read; the message names the source and the reason in one line. */
public final class CertificateFormatException extends Exception {
    public CertificateFormatException(String message) {
        super(message);
    }
}
