package dev.keep.attestation.report;

/** The bytes are not an attestation report this parser understands; the message says why, in one line. */
public final class ReportFormatException extends Exception {
    public ReportFormatException(String message) {
        super(message);
    }
}
