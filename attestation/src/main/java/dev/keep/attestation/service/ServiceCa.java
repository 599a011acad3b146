package dev.keep.attestation.service;

import dev.keep.attestation.protocol.AttestationExtensions;
import dev.keep.attestation.protocol.Pem;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The service's certificate authority: signs short-lived end-entity certificates for attested keys. The CA key is
 * an EC (P-256/P-384) or RSA key from PEM files, or a P-384 key made at start when service.toml asks for an
 * ephemeral CA (its certificate is then only valid while the process runs, so relying parties must fetch it).
 */
public final class ServiceCa {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair key;
    private final X509CertificateHolder certificate;
    private final String signatureAlgorithm;

    public ServiceCa(KeyPair key, X509CertificateHolder certificate) {
        this.key = key;
        this.certificate = certificate;
        this.signatureAlgorithm = switch (key.getPrivate().getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA384withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("CA key must be EC or RSA, not "
                    + key.getPrivate().getAlgorithm());
        };
    }

    /** The CA of service.toml's [ca] table. */
    public static ServiceCa load(ServiceConfig.Ca settings, Instant now) throws ConfigException {
        if (settings.ephemeral()) {
            return ephemeral("CN=Keep attestation CA (ephemeral)", now);
        }
        Path certFile = settings.certificatePem().orElseThrow();
        Path keyFile = settings.keyPem().orElseThrow();
        try {
            KeyPair pair = Pem.keyPair(Files.readAllBytes(keyFile), "CA key " + keyFile);
            X509CertificateHolder cert = Pem.certificates(Files.readAllBytes(certFile), "CA certificate " + certFile)
                    .getFirst();
            if (!cert.getSubjectPublicKeyInfo().equals(SubjectPublicKeyInfo.getInstance(
                    pair.getPublic().getEncoded()))) {
                throw new ConfigException("CA certificate " + certFile + " does not belong to the key " + keyFile);
            }
            return new ServiceCa(pair, cert);
        } catch (IOException e) {
            throw new ConfigException("CA file cannot be read: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** A fresh self-signed P-384 CA valid for a year from {@code now}. */
    public static ServiceCa ephemeral(String subject, Instant now) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp384r1"));
            KeyPair pair = g.generateKeyPair();
            X500Name name = new X500Name(subject);
            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded());
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(365))), name,
                    spki);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createSubjectKeyIdentifier(spki));
            ContentSigner signer = new JcaContentSignerBuilder("SHA384withECDSA").build(pair.getPrivate());
            return new ServiceCa(pair, b.build(signer));
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make an ephemeral CA: " + e.getMessage(), e);
        }
    }

    public X509CertificateHolder certificate() {
        return certificate;
    }

    public KeyPair keyPair() {
        return key;
    }

    /**
     * A certificate for {@code subjectKey}, valid from a minute before {@code now} (clock skew) for
     * {@code validity}, carrying the attested claims as extensions.
     */
    public X509CertificateHolder issue(SubjectPublicKeyInfo subjectKey, X500Name subject, List<String> dnsNames,
            Instant now, Duration validity, AttestationExtensions.Claims claims) {
        return issue(subjectKey, subject, dnsNames, now, validity, AttestationExtensions.encode(claims));
    }

    /** As above, with the attested claims already encoded (for example {@link AttestationExtensions#encodeSoftware}). */
    public X509CertificateHolder issue(SubjectPublicKeyInfo subjectKey, X500Name subject, List<String> dnsNames,
            Instant now, Duration validity, List<Extension> attested) {
        try {
            X509v3CertificateBuilder b = new X509v3CertificateBuilder(certificate.getSubject(), serial(),
                    Date.from(now.minus(Duration.ofMinutes(1))), Date.from(now.plus(validity)), subject, subjectKey);
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | KeyUsage.keyAgreement));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    utils.createAuthorityKeyIdentifier(certificate.getSubjectPublicKeyInfo()));
            if (!dnsNames.isEmpty()) {
                GeneralName[] names = dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n))
                        .toArray(GeneralName[]::new);
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            for (Extension e : attested) {
                b.addExtension(e);
            }
            return b.build(new JcaContentSignerBuilder(signatureAlgorithm).build(key.getPrivate()));
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot sign the certificate: " + e.getMessage(), e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).setBit(126); // positive, 16 bytes, never zero
    }
}
