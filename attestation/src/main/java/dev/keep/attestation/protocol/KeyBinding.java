package dev.keep.attestation.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How a key is bound into the 64-byte REPORT_DATA of an SNP report: the guest hashes the DER SubjectPublicKeyInfo
 * of the key it generated and asks the PSP for a report with that hash, so the report vouches for exactly that key.
 * SHA-512 fills the field; SHA-384 leaves the last 16 bytes zero (the digest SNP itself uses).
 */
public enum KeyBinding {
    SHA512("SHA-512"),
    SHA384("SHA-384");

    private final String digest;

    KeyBinding(String digest) {
        this.digest = digest;
    }

    /** The name used on the wire and in service.toml: "sha512" or "sha384". */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<KeyBinding> fromWireName(String name) {
        for (KeyBinding b : values()) {
            if (b.wireName().equals(name)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** The 64 REPORT_DATA bytes that bind the key whose SubjectPublicKeyInfo DER is {@code spki}. */
    public byte[] reportData(byte[] spki) {
        try {
            byte[] hash = MessageDigest.getInstance(digest).digest(spki);
            return Arrays.copyOf(hash, 64);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(digest + " missing from the JDK", e);
        }
    }
}
