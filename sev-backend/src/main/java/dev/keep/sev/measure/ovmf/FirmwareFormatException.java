package dev.keep.sev.measure.ovmf;

/** A firmware image whose GUIDed footer table or SEV metadata is malformed or lacks a needed entry. */
public final class FirmwareFormatException extends IllegalArgumentException {
    public FirmwareFormatException(String message) {
        super(message);
    }
}
