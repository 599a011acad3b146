package dev.keep.attestation.verify;

import dev.keep.attestation.report.AttestationReport;
import java.math.BigInteger;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * The report's own signature: ECDSA P-384 with SHA-384 over bytes 0x000..0x29F, with R and S stored as 72-byte
 * little-endian integers (not DER), checked against the VCEK/VLEK public key.
 */
final class ReportSignature {
    static final String NAME = "report.signature";
    private static final X9ECParameters P384 = ECNamedCurveTable.getByOID(SECObjectIdentifiers.secp384r1);

    private ReportSignature() {}

    static Check check(AttestationReport report, X509CertificateHolder signer, String signerName) {
        return verifies(report, signer)
                ? Check.pass(NAME, "ECDSA P-384/SHA-384 signature verifies with the " + signerName + " key")
                : Check.fail(NAME, problem(report, signer, signerName));
    }

    static boolean verifies(AttestationReport report, X509CertificateHolder signer) {
        try {
            AsymmetricKeyParameter key = PublicKeyFactory.createKey(signer.getSubjectPublicKeyInfo());
            if (!(key instanceof ECPublicKeyParameters ec) || !onP384(ec)) {
                return false;
            }
            ECDSASigner verifier = new ECDSASigner();
            verifier.init(false, ec);
            return verifier.verifySignature(sha384(report.signedBytes()), littleEndian(report.signatureR()),
                    littleEndian(report.signatureS()));
        } catch (Exception e) {
            return false;
        }
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

    private static byte[] sha384(byte[] data) {
        SHA384Digest digest = new SHA384Digest();
        digest.update(data, 0, data.length);
        byte[] out = new byte[digest.getDigestSize()];
        digest.doFinal(out, 0);
        return out;
    }

    private static BigInteger littleEndian(byte[] bytes) {
        byte[] bigEndian = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            bigEndian[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, bigEndian);
    }
}
