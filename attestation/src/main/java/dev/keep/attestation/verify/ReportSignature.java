package dev.keep.attestation.verify;

import dev.keep.attestation.report.AttestationReport;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * The report's own signature: ECDSA P-384 with SHA-384 over bytes 0x000..0x29F, with R and S stored as 72-byte
 * little-endian integers (not DER), checked against the VCEK/VLEK public key.
 */
final class ReportSignature {
    static final String NAME = "report.signature";
    private static final X9ECParameters P384 = ECNamedCurveTable.getByOID(SECObjectIdentifiers.secp384r1);
    private static final int P384_BYTES = 48;
    private static final String P1363_ALGORITHM = "SHA384withECDSAinP1363Format";

    private ReportSignature() {}

    /** The check for a signature whose outcome {@link #verifies} already gave, so it is computed once. */
    static Check check(AttestationReport report, X509CertificateHolder signer, String signerName, boolean verified) {
        return verified
                ? Check.pass(NAME, "ECDSA P-384/SHA-384 signature verifies with the " + signerName + " key")
                : Check.fail(NAME, problem(report, signer, signerName));
    }

    /**
     * Verifies with the JDK's own P-384 implementation (SunEC), which is several times faster than
     * BouncyCastle's generic curve arithmetic; BouncyCastle still checks that the key is on P-384.
     */
    static boolean verifies(AttestationReport report, X509CertificateHolder signer) {
        try {
            AsymmetricKeyParameter key = PublicKeyFactory.createKey(signer.getSubjectPublicKeyInfo());
            if (!(key instanceof ECPublicKeyParameters ec) || !onP384(ec)) {
                return false;
            }
            byte[] rs = fixedWidthSignature(report.signatureR(), report.signatureS());
            if (rs == null) {
                return false;
            }
            PublicKey publicKey = KeyFactory.getInstance("EC")
                    .generatePublic(new X509EncodedKeySpec(signer.getSubjectPublicKeyInfo().getEncoded()));
            Signature verifier = jdkSignature();
            verifier.initVerify(publicKey);
            verifier.update(report.signedBytes());
            return verifier.verify(rs);
        } catch (Exception e) {
            return false;
        }
    }

    /** SHA384withECDSA taking R and S as two 48-byte big-endian integers (IEEE P1363), from SunEC when present. */
    private static Signature jdkSignature() throws NoSuchAlgorithmException {
        try {
            return Signature.getInstance(P1363_ALGORITHM, "SunEC");
        } catch (NoSuchProviderException e) {
            return Signature.getInstance(P1363_ALGORITHM);
        }
    }

    /**
     * R and S are stored as 72-byte little-endian fields; for P-384 only the low 48 bytes may be non-zero.
     * Returns R || S as 48-byte big-endian values, or null when either does not fit.
     */
    private static byte[] fixedWidthSignature(byte[] r, byte[] s) {
        byte[] out = new byte[2 * P384_BYTES];
        return toBigEndian(r, out, 0) && toBigEndian(s, out, P384_BYTES) ? out : null;
    }

    private static boolean toBigEndian(byte[] littleEndian, byte[] out, int offset) {
        for (int i = P384_BYTES; i < littleEndian.length; i++) {
            if (littleEndian[i] != 0) {
                return false;
            }
        }
        for (int i = 0; i < P384_BYTES; i++) {
            out[offset + i] = littleEndian[P384_BYTES - 1 - i];
        }
        return true;
    }

    private static String problem(AttestationReport report, X509CertificateHolder signer, String signerName) {
        if (report.signatureAlgorithm() != 1) {
            return "SIGNATURE_ALGO is " + report.signatureAlgorithm() + ", not 1 (ECDSA P-384 with SHA-384)";
        }
        try {
            AsymmetricKeyParameter key = PublicKeyFactory.createKey(signer.getSubjectPublicKeyInfo());
            if (!(key instanceof ECPublicKeyParameters ec)) {
                return signerName + " public key is not an EC key";
            }
            if (!onP384(ec)) {
                return signerName + " public key is not on curve P-384";
            }
        } catch (Exception e) {
            return signerName + " public key cannot be read (" + e.getClass().getSimpleName() + ")";
        }
        return "signature over bytes 0x000..0x29F does not verify with the " + signerName + " key";
    }

    private static boolean onP384(ECPublicKeyParameters key) {
        return key.getParameters().getCurve().equals(P384.getCurve()) && key.getParameters().getG().equals(P384.getG());
    }

}
