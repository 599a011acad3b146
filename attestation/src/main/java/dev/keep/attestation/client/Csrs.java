package dev.keep.attestation.client;

import java.security.KeyPair;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Builds the PKCS#10 request for a key the keep generated (its proof of possession of the private key). */
public final class Csrs {
    private Csrs() {}

    /** A CSR for {@code key} with {@code subject} ("CN=my-app"), signed with the key itself. */
    public static PKCS10CertificationRequest create(KeyPair key, String subject) {
        String algorithm = switch (key.getPrivate().getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA384withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new IllegalArgumentException("a CSR needs an EC, RSA or Ed25519 key, not "
                    + key.getPrivate().getAlgorithm());
        };
        try {
            return new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), key.getPublic())
                    .build(new JcaContentSignerBuilder(algorithm).build(key.getPrivate()));
        } catch (OperatorCreationException e) {
            throw new IllegalArgumentException("cannot sign the CSR: " + e.getMessage());
        }
    }
}
