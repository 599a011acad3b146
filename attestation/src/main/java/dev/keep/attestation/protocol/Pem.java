package dev.keep.attestation.protocol;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/** PEM reading and writing for keys, certificates and CSRs; failures are {@link IllegalArgumentException}s. */
public final class Pem {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();

    private Pem() {}

    /** Every certificate in a PEM text, in order. */
    public static List<X509CertificateHolder> certificates(byte[] pem, String what) {
        List<X509CertificateHolder> out = new ArrayList<>();
        for (Object o : objects(pem, what)) {
            if (o instanceof X509CertificateHolder c) {
                out.add(c);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(what + " holds no PEM certificate");
        }
        return out;
    }

    /**
     * A private key (PKCS#8 "PRIVATE KEY" or traditional "EC/RSA PRIVATE KEY") and its public key, as the JDK's own
     * key objects, so they work with any JCA provider (BouncyCastle's converter would hand out BC-only keys).
     */
    public static KeyPair keyPair(byte[] pem, String what) {
        KeyPair parsed = parseKeyPair(pem, what);
        String algorithm = switch (parsed.getPrivate().getAlgorithm()) {
            case "EC", "ECDSA" -> "EC";
            case "X25519", "XDH" -> "X25519";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> parsed.getPrivate().getAlgorithm();
        };
        try {
            java.security.KeyFactory factory = java.security.KeyFactory.getInstance(algorithm);
            return new KeyPair(factory.generatePublic(new java.security.spec.X509EncodedKeySpec(
                    parsed.getPublic().getEncoded())), factory.generatePrivate(
                    new java.security.spec.PKCS8EncodedKeySpec(parsed.getPrivate().getEncoded())));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException(what + " holds a " + algorithm + " key the JDK cannot use: "
                    + e.getMessage());
        }
    }

    private static KeyPair parseKeyPair(byte[] pem, String what) {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider(BC);
        try {
            for (Object o : objects(pem, what)) {
                if (o instanceof PEMKeyPair pair && pair.getPublicKeyInfo() != null) {
                    return converter.getKeyPair(pair);
                }
                if (o instanceof PEMKeyPair pair) {
                    // A traditional "EC PRIVATE KEY" may omit the public key; derive it from the private one.
                    PrivateKey key = converter.getPrivateKey(pair.getPrivateKeyInfo());
                    return new KeyPair(publicKeyOf(key, pair.getPrivateKeyInfo(), converter), key);
                }
                if (o instanceof PrivateKeyInfo info) {
                    PrivateKey key = converter.getPrivateKey(info);
                    return new KeyPair(publicKeyOf(key, info, converter), key);
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(what + " holds a private key that cannot be used: " + e.getMessage());
        }
        throw new IllegalArgumentException(what + " holds no PEM private key");
    }

    /** The first CSR in a PEM text. */
    public static PKCS10CertificationRequest csr(byte[] pem, String what) {
        for (Object o : objects(pem, what)) {
            if (o instanceof PKCS10CertificationRequest r) {
                return r;
            }
        }
        throw new IllegalArgumentException(what + " holds no PEM certificate request");
    }

    /** PEM text of certificates, keys or CSRs (any object BouncyCastle's PEM writer knows). */
    public static String write(Object... objects) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            for (Object o : objects) {
                w.writeObject(o);
            }
        } catch (IOException e) {
            throw new IllegalStateException("PEM cannot be written", e);
        }
        return out.toString();
    }

    /** A private key as PKCS#8 PEM ("PRIVATE KEY"), the form {@link #keyPair} and OpenSSL read for every type. */
    public static String privateKey(PrivateKey key) {
        try {
            return write(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null).generate());
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalArgumentException("private key cannot be written: " + e.getMessage());
        }
    }

    private static PublicKey publicKeyOf(PrivateKey key, PrivateKeyInfo info, JcaPEMKeyConverter converter)
            throws IOException {
        // PKCS#8 may carry the public key; otherwise derive it (EC, X25519, Ed25519 and RSA CRT keys all allow it).
        if (info.getPublicKeyData() != null && !info.getPrivateKeyAlgorithm().getAlgorithm()
                .equals(org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey)) {
            return converter.getPublicKey(new SubjectPublicKeyInfo(info.getPrivateKeyAlgorithm(),
                    info.getPublicKeyData().getBytes()));
        }
        org.bouncycastle.crypto.params.AsymmetricKeyParameter priv =
                org.bouncycastle.crypto.util.PrivateKeyFactory.createKey(info);
        org.bouncycastle.crypto.params.AsymmetricKeyParameter pub = derivePublic(priv);
        return converter.getPublicKey(
                org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(pub));
    }

    private static org.bouncycastle.crypto.params.AsymmetricKeyParameter derivePublic(
            org.bouncycastle.crypto.params.AsymmetricKeyParameter priv) {
        if (priv instanceof org.bouncycastle.crypto.params.ECPrivateKeyParameters ec) {
            return new org.bouncycastle.crypto.params.ECPublicKeyParameters(
                    ec.getParameters().getG().multiply(ec.getD()).normalize(), ec.getParameters());
        }
        if (priv instanceof org.bouncycastle.crypto.params.X25519PrivateKeyParameters x) {
            return x.generatePublicKey();
        }
        if (priv instanceof org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters ed) {
            return ed.generatePublicKey();
        }
        if (priv instanceof org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters rsa) {
            return new org.bouncycastle.crypto.params.RSAKeyParameters(false, rsa.getModulus(),
                    rsa.getPublicExponent());
        }
        throw new IllegalArgumentException("unsupported private key type " + priv.getClass().getSimpleName());
    }

    private static List<Object> objects(byte[] pem, String what) {
        List<Object> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(what + " is not valid PEM: " + e.getMessage());
        }
        return out;
    }
}
