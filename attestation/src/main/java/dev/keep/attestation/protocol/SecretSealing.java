package dev.keep.attestation.protocol;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.hpke.HPKE;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * Seals a released secret to the requester's key with HPKE (RFC 9180) in base mode, as implemented by
 * BouncyCastle. The suite follows the key: X25519 uses DHKEM(X25519, HKDF-SHA256), P-256 DHKEM(P-256,
 * HKDF-SHA256), P-384 DHKEM(P-384, HKDF-SHA384); the AEAD is always AES-256-GCM. The HPKE info string names
 * the protocol and the secret, so a ciphertext for one secret cannot be passed off as another.
 */
public final class SecretSealing {
    private static final String INFO_PREFIX = "keep attestation secret v1\0";

    private SecretSealing() {}

    /** The HPKE suite for a recipient key, or empty when the key type is not supported. */
    public static Optional<HPKE> suiteFor(SubjectPublicKeyInfo spki) {
        ASN1ObjectIdentifier algorithm = spki.getAlgorithm().getAlgorithm();
        if (algorithm.equals(EdECObjectIdentifiers.id_X25519)) {
            return Optional.of(new HPKE(HPKE.mode_base, HPKE.kem_X25519_SHA256, HPKE.kdf_HKDF_SHA256,
                    HPKE.aead_AES_GCM256));
        }
        if (algorithm.equals(X9ObjectIdentifiers.id_ecPublicKey) && spki.getAlgorithm().getParameters() != null) {
            Object curve = spki.getAlgorithm().getParameters();
            if (SECObjectIdentifiers.secp384r1.equals(curve)) {
                return Optional.of(new HPKE(HPKE.mode_base, HPKE.kem_P384_SHA384, HPKE.kdf_HKDF_SHA384,
                        HPKE.aead_AES_GCM256));
            }
            if (X9ObjectIdentifiers.prime256v1.equals(curve)) {
                return Optional.of(new HPKE(HPKE.mode_base, HPKE.kem_P256_SHA256, HPKE.kdf_HKDF_SHA256,
                        HPKE.aead_AES_GCM256));
            }
        }
        return Optional.empty();
    }

    /** What key types {@link #seal} accepts, for error messages. */
    public static String supportedKeys() {
        return "X25519, EC P-256 or EC P-384";
    }

    /** Encrypts {@code secret} to the key in {@code spki}; the key type must be one {@link #suiteFor} accepts. */
    public static SealedSecret seal(SubjectPublicKeyInfo spki, String secretName, byte[] secret) {
        HPKE hpke = suiteFor(spki).orElseThrow(() -> new IllegalArgumentException(
                "key type is not supported for secret release; use " + supportedKeys()));
        try {
            AsymmetricKeyParameter recipient = PublicKeyFactory.createKey(spki);
            byte[][] out = hpke.seal(recipient, info(secretName), new byte[0], secret, null, null, null);
            return new SealedSecret(kem(spki), kdf(spki), HPKE.aead_AES_GCM256, out[1], out[0]);
        } catch (IOException | InvalidCipherTextException | RuntimeException e) {
            throw new IllegalArgumentException("the public key cannot be used for HPKE: " + e.getMessage());
        }
    }

    /** Decrypts a sealed secret with the recipient's key pair; throws {@link IllegalArgumentException} if it fails. */
    public static byte[] open(KeyPair recipient, String secretName, SealedSecret sealed) {
        SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(recipient.getPublic().getEncoded());
        HPKE hpke = suiteFor(spki).orElseThrow(() -> new IllegalArgumentException(
                "key type is not supported for secret release; use " + supportedKeys()));
        if (sealed.kem() != kem(spki) || sealed.kdf() != kdf(spki) || sealed.aead() != HPKE.aead_AES_GCM256) {
            throw new IllegalArgumentException("sealed secret uses HPKE suite " + sealed.kem() + "/" + sealed.kdf()
                    + "/" + sealed.aead() + ", which does not match the key");
        }
        try {
            AsymmetricCipherKeyPair pair = new AsymmetricCipherKeyPair(PublicKeyFactory.createKey(spki),
                    PrivateKeyFactory.createKey(recipient.getPrivate().getEncoded()));
            return hpke.open(sealed.enc(), pair, info(secretName), new byte[0], sealed.ciphertext(), null, null,
                    null);
        } catch (IOException | InvalidCipherTextException | RuntimeException e) {
            throw new IllegalArgumentException("the sealed secret cannot be opened with this key ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static byte[] info(String secretName) {
        return (INFO_PREFIX + secretName).getBytes(StandardCharsets.UTF_8);
    }

    private static int kem(SubjectPublicKeyInfo spki) {
        if (spki.getAlgorithm().getAlgorithm().equals(EdECObjectIdentifiers.id_X25519)) {
            return HPKE.kem_X25519_SHA256;
        }
        return SECObjectIdentifiers.secp384r1.equals(spki.getAlgorithm().getParameters()) ? HPKE.kem_P384_SHA384
                : HPKE.kem_P256_SHA256;
    }

    private static int kdf(SubjectPublicKeyInfo spki) {
        return kem(spki) == HPKE.kem_P384_SHA384 ? HPKE.kdf_HKDF_SHA384 : HPKE.kdf_HKDF_SHA256;
    }
}
