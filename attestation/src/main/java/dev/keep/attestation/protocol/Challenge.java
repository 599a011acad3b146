package dev.keep.attestation.protocol;

import java.time.Instant;

/**
 * A fresh nonce from the attestation service ({@code POST /v1/challenge}) and the moment it stops being accepted.
 * The guest binds it with its key into REPORT_DATA ({@link KeyBinding#reportData(byte[], byte[])}) and sends it back
 * with the request; the service accepts each nonce once, so a captured report cannot be replayed.
 */
public record Challenge(byte[] nonce, Instant expires) {
    /** Length of every nonce: 256 random bits. */
    public static final int NONCE_BYTES = 32;

    public Challenge {
        if (nonce.length != NONCE_BYTES) {
            throw new IllegalArgumentException("a challenge nonce is " + NONCE_BYTES + " bytes, got " + nonce.length);
        }
        nonce = nonce.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }
}
