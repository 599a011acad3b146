package dev.keep.attestation;

import dev.keep.attestation.cert.KeyExtensions;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.TcbVersion;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A private AMD-shaped hierarchy (ARK -> ASK -> VCEK, RSASSA-PSS, P-384 VCEK with AMD extensions) for what the
 * real data cannot cover: Turin and version 5 reports end to end, CRLs, pins that do not match. RSA keys are 2048
 * bits to keep key generation fast; the verifier does not depend on the size.
 */
public final class TestPki {
    private static final Provider BC = new BouncyCastleProvider();
    private static final String DN = "OU=Engineering, C=US, L=Santa Clara, ST=CA, O=Advanced Micro Devices, CN=";
    private static final Date NOT_BEFORE = new Date(SnpTestData.VALID_TIME.toEpochMilli() - 86_400_000L * 365);
    private static final Date NOT_AFTER = new Date(SnpTestData.VALID_TIME.toEpochMilli() + 86_400_000L * 365);

    public final KeyPair arkKey;
    public final KeyPair askKey;
    public final KeyPair vcekKey;
    public final X509CertificateHolder ark;
    public final X509CertificateHolder ask;
    public final X509CertificateHolder vcek;

    /** A hierarchy for {@code product} ("Turin") whose VCEK carries {@code tcb} and {@code hwId}. */
    public TestPki(String product, String productName, TcbVersion tcb, byte[] hwId) throws Exception {
        arkKey = rsa();
        askKey = rsa();
        vcekKey = ec();
        ark = build(DN + "ARK-" + product, DN + "ARK-" + product, arkKey, arkKey, BigInteger.valueOf(0x30000), null,
                null, null);
        ask = build(DN + "SEV-" + product, DN + "ARK-" + product, askKey, arkKey, BigInteger.valueOf(0x30001), null,
                null, null);
        vcek = build(DN + "SEV-VCEK", DN + "SEV-" + product, vcekKey, askKey, BigInteger.ZERO, productName, tcb, hwId);
    }

    public String arkSha256() throws Exception {
        return Hex.encode(MessageDigest.getInstance("SHA-256").digest(ark.getEncoded()));
    }

    /** Signs report bytes 0x000..0x29F with the VCEK and stores R and S little-endian at 0x2A0 / 0x2E8. */
    public void sign(byte[] report) throws Exception {
        ECPrivateKeyParameters key = (ECPrivateKeyParameters) PrivateKeyFactory.createKey(
                vcekKey.getPrivate().getEncoded());
        ECDSASigner signer = new ECDSASigner();
        signer.init(true, key);
        SHA384Digest digest = new SHA384Digest();
        digest.update(report, 0, 0x2A0);
        byte[] hash = new byte[48];
        digest.doFinal(hash, 0);
        BigInteger[] rs = signer.generateSignature(hash);
        java.util.Arrays.fill(report, 0x2A0, 0x4A0, (byte) 0);
        putLittleEndian(report, 0x2A0, rs[0]);
        putLittleEndian(report, 0x2E8, rs[1]);
    }

    /** A CRL by the ARK revoking the given serial numbers. */
    public X509CRLHolder crl(BigInteger... revoked) throws Exception {
        X509v2CRLBuilder b = new X509v2CRLBuilder(ark.getSubject(), NOT_BEFORE);
        b.setNextUpdate(NOT_AFTER);
        for (BigInteger serial : revoked) {
            b.addCRLEntry(serial, NOT_BEFORE, 0);
        }
        return b.build(pss(arkKey));
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static void putLittleEndian(byte[] out, int offset, BigInteger value) {
        byte[] be = value.toByteArray();
        for (int i = 0; i < be.length && i < 72; i++) {
            out[offset + i] = be[be.length - 1 - i];
        }
    }

    private static X509CertificateHolder build(String subject, String issuer, KeyPair subjectKey, KeyPair issuerKey,
            BigInteger serial, String productName, TcbVersion tcb, byte[] hwId) throws Exception {
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name(issuer), serial, NOT_BEFORE,
                NOT_AFTER, new X500Name(subject), subjectKey.getPublic());
        if (productName != null) {
            b.addExtension(KeyExtensions.STRUCT_VERSION, false, new ASN1Integer(1));
            b.addExtension(KeyExtensions.PRODUCT_NAME, false, new DERIA5String(productName));
            if (tcb.hasFmc()) {
                b.addExtension(KeyExtensions.FMC_SPL, false, new ASN1Integer(tcb.fmc()));
            }
            b.addExtension(KeyExtensions.BL_SPL, false, new ASN1Integer(tcb.bootloader()));
            b.addExtension(KeyExtensions.TEE_SPL, false, new ASN1Integer(tcb.tee()));
            b.addExtension(KeyExtensions.SNP_SPL, false, new ASN1Integer(tcb.snp()));
            b.addExtension(KeyExtensions.UCODE_SPL, false, new ASN1Integer(tcb.microcode()));
            // AMD puts the raw hwID bytes directly into extnValue, not a DER OCTET STRING.
            b.addExtension(new org.bouncycastle.asn1.x509.Extension(KeyExtensions.HW_ID, false, hwId));
        }
        return b.build(pss(issuerKey));
    }

    private static ContentSigner pss(KeyPair key) throws Exception {
        return new JcaContentSignerBuilder("SHA384withRSAandMGF1", new PSSParameterSpec("SHA-384", "MGF1",
                MGF1ParameterSpec.SHA384, 48, 1)).setProvider(BC).build(key.getPrivate());
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, new SecureRandom());
        return g.generateKeyPair();
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        return g.generateKeyPair();
    }
}
