package dev.keep.attestation.cert;

import java.security.Provider;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * Signature and validity tests on single certificates and CRLs. Each method returns the problem as one phrase,
 * or empty when there is none; nothing here throws on bad certificates.
 */
public final class CertificateChecks {
    /** BouncyCastle instance passed explicitly so the JVM-wide provider list is left alone. */
    private static final Provider BC = new BouncyCastleProvider();

    private CertificateChecks() {}

    /**
     * Why {@code cert} is not signed by {@code issuer} with RSASSA-PSS (as AMD signs every certificate of the
     * hierarchy), or empty when it is.
     */
    public static Optional<String> pssSignatureProblem(X509CertificateHolder cert, X509CertificateHolder issuer) {
        return SignatureMemo.SHARED.problem(cert, issuer, CertificateChecks::checkPssSignature);
    }

    private static Optional<String> checkPssSignature(X509CertificateHolder cert, X509CertificateHolder issuer) {
        if (!PKCSObjectIdentifiers.id_RSASSA_PSS.equals(cert.getSignatureAlgorithm().getAlgorithm())) {
            return Optional.of("signature algorithm is " + cert.getSignatureAlgorithm().getAlgorithm()
                    + ", not RSASSA-PSS");
        }
        if (!cert.getIssuer().equals(issuer.getSubject())) {
            return Optional.of("issuer name '" + cert.getIssuer() + "' is not the subject of the signing certificate");
        }
        try {
            ContentVerifierProvider verifier = new JcaContentVerifierProviderBuilder().setProvider(BC).build(issuer);
            return cert.isSignatureValid(verifier) ? Optional.empty() : Optional.of("signature does not verify");
        } catch (Exception e) {
            return Optional.of("signature cannot be checked (" + CertificateLoader.oneLine(e) + ")");
        }
    }

    /** Why {@code cert} is not valid at {@code at}, or empty. */
    public static Optional<String> validityProblem(X509CertificateHolder cert, Instant at) {
        Date when = Date.from(at);
        if (when.before(cert.getNotBefore())) {
            return Optional.of("not valid before " + cert.getNotBefore().toInstant());
        }
        if (when.after(cert.getNotAfter())) {
            return Optional.of("expired " + cert.getNotAfter().toInstant());
        }
        return Optional.empty();
    }

    /** Why {@code crl} is not a current CRL signed by {@code issuer}, or empty. */
    public static Optional<String> crlProblem(X509CRLHolder crl, X509CertificateHolder issuer, Instant at) {
        if (!crl.getIssuer().equals(issuer.getSubject())) {
            return Optional.of("CRL issuer '" + crl.getIssuer() + "' is not " + issuer.getSubject());
        }
        try {
            ContentVerifierProvider verifier = new JcaContentVerifierProviderBuilder().setProvider(BC).build(issuer);
            if (!crl.isSignatureValid(verifier)) {
                return Optional.of("CRL signature does not verify");
            }
        } catch (Exception e) {
            return Optional.of("CRL signature cannot be checked (" + CertificateLoader.oneLine(e) + ")");
        }
        if (crl.getNextUpdate() != null && Date.from(at).after(crl.getNextUpdate())) {
            return Optional.of("CRL is stale (next update was due " + crl.getNextUpdate().toInstant() + ")");
        }
        return Optional.empty();
    }

    /** True when {@code crl} lists {@code cert}'s serial number. */
    public static boolean revokes(X509CRLHolder crl, X509CertificateHolder cert) {
        return crl.getRevokedCertificate(cert.getSerialNumber()) != null;
    }
}
