package dev.keep.sev.measure;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 and SHA-384 from the JDK; both are mandatory algorithms, so a missing one is a JDK bug. */
public final class Sha {
    private Sha() {
    }

    public static MessageDigest sha384() {
        return digest("SHA-384");
    }

    public static MessageDigest sha256() {
        return digest("SHA-256");
    }

    public static byte[] sha384(byte[] data, int offset, int length) {
        MessageDigest md = sha384();
        md.update(data, offset, length);
        return md.digest();
    }

    public static byte[] sha256(byte[] data) {
        return sha256().digest(data);
    }

    private static MessageDigest digest(String name) {
        try {
            return MessageDigest.getInstance(name);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + name, e);
        }
    }
}
