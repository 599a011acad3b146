package dev.keep.attestation.protocol;

/**
 * A secret encrypted with HPKE (RFC 9180, base mode) to the requester's key.
 *
 * @param kem HPKE KEM identifier (0x0010 P-256, 0x0011 P-384, 0x0020 X25519)
 * @param kdf HPKE KDF identifier (0x0001 HKDF-SHA256, 0x0002 HKDF-SHA384)
 * @param aead HPKE AEAD identifier (0x0002 AES-256-GCM)
 * @param enc the encapsulated key
 * @param ciphertext the AEAD output (ciphertext and tag)
 */
public record SealedSecret(int kem, int kdf, int aead, byte[] enc, byte[] ciphertext) {
    public SealedSecret {
        enc = enc.clone();
        ciphertext = ciphertext.clone();
    }

    @Override
    public byte[] enc() {
        return enc.clone();
    }

    @Override
    public byte[] ciphertext() {
        return ciphertext.clone();
    }
}
