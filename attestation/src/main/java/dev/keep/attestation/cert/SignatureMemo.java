package dev.keep.attestation.cert;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * Remembers whether a certificate's signature verifies with an issuer's key. That answer depends only
 * on the two certificates' exact bytes, never on time or policy, so it can be reused: a service that
 * sees the same VCEK, ASK and ARK on every request then pays for three RSA-4096 verifications once.
 * Keyed by SHA-256 of both DER encodings; bounded, least recently used entries go first.
 */
final class SignatureMemo {
    static final SignatureMemo SHARED = new SignatureMemo(512);

    private final Map<Key, Optional<String>> results;

    SignatureMemo(int capacity) {
        this.results = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Optional<String>> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The problem with {@code cert}'s signature by {@code issuer}, computed by {@code check} at most once. */
    Optional<String> problem(X509CertificateHolder cert, X509CertificateHolder issuer,
            BiFunction<X509CertificateHolder, X509CertificateHolder, Optional<String>> check) {
        Key key;
        try {
            key = new Key(sha256(cert.getEncoded()), sha256(issuer.getEncoded()));
        } catch (IOException e) {
            return check.apply(cert, issuer);
        }
        synchronized (results) {
            Optional<String> known = results.get(key);
            if (known != null) {
                return known;
            }
        }
        Optional<String> computed = check.apply(cert, issuer);
        synchronized (results) {
            results.put(key, computed);
        }
        return computed;
    }

    int size() {
        synchronized (results) {
            return results.size();
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private record Key(byte[] certificate, byte[] issuer) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(certificate, k.certificate) && Arrays.equals(issuer, k.issuer);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(certificate) + Arrays.hashCode(issuer);
        }
    }
}
