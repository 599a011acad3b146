package dev.keep.attestation.report;

import java.util.Locale;

/** Which key signed the report (SIGNING_KEY field, bits 4:2 of the signer info word). */
public enum SigningKey {
    /** Versioned Chip Endorsement Key, derived per chip and TCB. */
    VCEK,
    /** Versioned Loaded Endorsement Key, issued to a cloud provider. */
    VLEK,
    /** Report not signed (encoding 7). */
    NONE,
    /** Encodings 2-6, reserved by the ABI. */
    RESERVED;

    static SigningKey fromEncoding(int value) {
        return switch (value) {
            case 0 -> VCEK;
            case 1 -> VLEK;
            case 7 -> NONE;
            default -> RESERVED;
        };
    }

    /** "vcek", "vlek" as used in KDS URLs and the JSON verdict. */
    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
