package dev.keep.attestation.protocol;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * How a key is bound into the 64-byte REPORT_DATA of an SNP report: the guest hashes the DER SubjectPublicKeyInfo
 * of the key it generated, prefixed by the service's fresh challenge nonce, and asks the PSP for a report with that
 * hash, so the report vouches for exactly that key and was made after the challenge was issued.
 *
 * <p>Hashed bytes: {@code nonce (32 bytes, raw) || SPKI (DER)}, no separators or length prefixes (the nonce has a
 * fixed length, so the split is unambiguous). SHA-512 fills the field; SHA-384 leaves the last 16 bytes zero (the
 * digest SNP itself uses). The key-only form hashes the SPKI alone; it proves no freshness and the service accepts
 * it only where a policy says {@code require_nonce = false}.
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

    /**
     * The 64 REPORT_DATA bytes that bind only the key whose SubjectPublicKeyInfo DER is {@code spki}; no freshness,
     * so a captured report can be replayed. Use {@link #reportData(byte[], byte[])} unless the policy waives nonces.
     */
    public byte[] reportData(byte[] spki) {
        MessageDigest md = digest();
        md.update(spki);
        return Arrays.copyOf(md.digest(), 64);
    }

    /**
     * The 64 REPORT_DATA bytes that bind the challenge {@code nonce} (exactly {@link Challenge#NONCE_BYTES} bytes)
     * and the key whose SubjectPublicKeyInfo DER is {@code spki}: HASH(nonce || spki), zero-padded to 64 bytes.
     */
    public byte[] reportData(byte[] nonce, byte[] spki) {
        if (nonce.length != Challenge.NONCE_BYTES) {
            throw new IllegalArgumentException("a challenge nonce is " + Challenge.NONCE_BYTES + " bytes, got "
                    + nonce.length);
        }
        MessageDigest md = digest();
        md.update(nonce);
        md.update(spki);
        return Arrays.copyOf(md.digest(), 64);
    }

    private MessageDigest digest() {
        try {
            return MessageDigest.getInstance(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(digest + " missing from the JDK", e);
        }
    }
}
