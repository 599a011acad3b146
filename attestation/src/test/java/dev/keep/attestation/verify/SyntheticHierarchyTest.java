package dev.keep.attestation.verify;

import static dev.keep.attestation.SnpTestData.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.attestation.TestPki;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.policy.MinimumTcb;
import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.TcbLayout;
import dev.keep.attestation.report.TcbVersion;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Turin and version 5 reports end to end, and CRLs, on a private hierarchy pinned in place of AMD's (no real Turin
 * or v5 report exists in the test data). Also the real Turin VCEK against a report shaped for it.
 */
class SyntheticHierarchyTest {
    private static final TcbVersion TURIN_TCB = TcbVersion.of(TcbLayout.TURIN, 1, 1, 1, 4, 0x51);
    private static final byte[] HW_ID = Hex.decode("hwid", "1e550a8ee5cf9f4d");
    private static TestPki pki;
    private static ReportVerifier verifier;

    @BeforeAll
    static void hierarchy() throws Exception {
        pki = new TestPki("Turin", "Turin", TURIN_TCB, HW_ID);
        verifier = new ReportVerifier(ArkPins.of(Map.of(Product.TURIN, pki.arkSha256())), clockAt(VALID_TIME));
    }

    /** A v5 Turin report: Genoa report #8 re-shaped (CPUID family 0x1A, Turin TCB, 8-byte CHIP_ID) and re-signed. */
    private static byte[] turinV5Report() throws Exception {
        byte[] r = bytes(R8_REPORT);
        r[0] = 5;
        r[0x188] = 0x1A;
        r[0x189] = 0x02;
        r[0x18A] = 0x00;
        for (int offset : new int[] {0x038, 0x180, 0x1E0, 0x1F0}) {
            for (int i = 0; i < 8; i++) {
                r[offset + i] = (byte) (TURIN_TCB.raw() >>> (8 * i));
            }
        }
        Arrays.fill(r, 0x1A0, 0x1E0, (byte) 0);
        System.arraycopy(HW_ID, 0, r, 0x1A0, 8);
        r[0x1F8] = 3; // LAUNCH_MIT_VECTOR
        r[0x200] = 3; // CURRENT_MIT_VECTOR
        pki.sign(r);
        return r;
    }

    private static Evidence.Builder evidenceFor(byte[] report) throws Exception {
        return Evidence.builder().report(report)
                .certificates("vcek.der", pki.vcek.getEncoded())
                .certificates("chain.pem", (TestPki.pem("CERTIFICATE", pki.ask.getEncoded())
                        + TestPki.pem("CERTIFICATE", pki.ark.getEncoded())).getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void turinVersion5ReportVerifiesWithFmcAndEightByteHwId() throws Exception {
        Verdict v = verifier.verify(evidenceFor(turinV5Report()).build(), VerificationPolicy.builder()
                .minimumTcb(new MinimumTcb(1, 1, 4, 0x51, 1)).build());
        assertTrue(v.verified(), v::toText);
        assertEquals(Product.TURIN, v.product().orElseThrow());
        assertEquals(5, v.report().orElseThrow().version());
        assertTrue(v.check("leaf.tcb").orElseThrow().detail().contains("fmc=1 bl=1 tee=1 snp=4 ucode=81"));
        assertTrue(v.check("leaf.hwId").orElseThrow().detail().contains("CHIP_ID[0..8]"));
        assertTrue(v.toJson().contains("\"fmc\" : 1"));
    }

    @Test
    void turinFmcBelowMinimumFailsPolicy() throws Exception {
        Verdict v = verifier.verify(evidenceFor(turinV5Report()).build(), VerificationPolicy.builder()
                .minimumTcb(new MinimumTcb(0, 0, 0, 0, 2)).build());
        assertFalse(v.verified());
        assertEquals("REPORTED_TCB below minimum: fmc 1 < 2", v.check("policy.minimumTcb").orElseThrow().detail());
    }

    @Test
    void turinReportWithFmcMismatchFailsTcbCheck() throws Exception {
        byte[] r = turinV5Report();
        r[0x180] = 2; // REPORTED_TCB FMC SPL
        pki.sign(r);
        Verdict v = verifier.verify(evidenceFor(r).build(), VerificationPolicy.defaults());
        assertTrue(v.check("report.signature").orElseThrow().passed());
        assertEquals(false, v.check("leaf.tcb").orElseThrow().passed());
        assertTrue(v.check("leaf.tcb").orElseThrow().detail().contains("fmcSPL certificate 1 vs report 2"));
    }

    @Test
    void crlRevokingTheAskFailsAndAnEmptyCrlPasses() throws Exception {
        byte[] report = turinV5Report();
        Verdict clean = verifier.verify(evidenceFor(report).crl("crl.der", pki.crl().getEncoded()).build(),
                VerificationPolicy.defaults());
        assertTrue(clean.verified(), clean::toText);
        assertTrue(clean.check("chain.crl").orElseThrow().passed());

        byte[] revoking = TestPki.pem("X509 CRL", pki.crl(BigInteger.valueOf(0x30001)).getEncoded())
                .getBytes(StandardCharsets.US_ASCII);
        Verdict revoked = verifier.verify(evidenceFor(report).crl("crl.pem", revoking).build(),
                VerificationPolicy.defaults());
        assertFalse(revoked.verified());
        assertTrue(revoked.check("chain.crl").orElseThrow().detail().contains("SEV-Turin serial 196609 is revoked"));
    }

    @Test
    void crlSignedByAnotherRootFails() throws Exception {
        TestPki other = new TestPki("Turin", "Turin", TURIN_TCB, HW_ID);
        Verdict v = verifier.verify(evidenceFor(turinV5Report()).crl("other.der", other.crl().getEncoded()).build(),
                VerificationPolicy.defaults());
        assertFalse(v.verified());
        assertEquals("CRL signature does not verify", v.check("chain.crl").orElseThrow().detail());
    }

    @Test
    void garbageCrlIsAFailedCheck() throws Exception {
        Verdict v = verifier.verify(evidenceFor(turinV5Report()).crl("bad.crl", new byte[] {0x30, 1, 2}).build(),
                VerificationPolicy.defaults());
        assertFalse(v.check("crl.load").orElseThrow().passed());
    }

    /** The real Turin VCEK chains to the pinned AMD Turin root and its FMC/TCB/hwID match a report shaped for it. */
    @Test
    void realTurinVcekChainsAndMatchesATurinShapedReport() {
        byte[] r = bytes(R3_REPORT); // v2; Turin is told from the 8-byte CHIP_ID
        long tcb = TcbVersion.of(TcbLayout.TURIN, 0, 0, 0, 0, 9).raw();
        for (int i = 0; i < 8; i++) {
            r[0x180 + i] = (byte) (tcb >>> (8 * i));
        }
        Arrays.fill(r, 0x1A0, 0x1E0, (byte) 0);
        System.arraycopy(HW_ID, 0, r, 0x1A0, 8);
        Verdict v = new ReportVerifier(ArkPins.amd(), clockAt(VALID_TIME)).verify(
                evidence(r, TURIN_VCEK, TURIN_CHAIN), VerificationPolicy.defaults());
        for (String passing : new String[] {"product", "chain.ark.pin", "chain.ark.selfSigned", "chain.intermediate",
            "chain.leaf", "chain.validity", "leaf.tcb", "leaf.hwId", "leaf.productName"}) {
            assertTrue(v.check(passing).orElseThrow().passed(), passing + "\n" + v.toText());
        }
        assertFalse(v.check("report.signature").orElseThrow().passed(), "no real Turin report: signature is not AMD's");
        assertEquals(Product.TURIN, v.product().orElseThrow());

        Verdict viaTrusteeBundle = new ReportVerifier(ArkPins.amd(), clockAt(VALID_TIME)).verify(
                evidence(r, TURIN_VCEK, TURIN_ASK_ARK_ASVK), VerificationPolicy.defaults());
        assertTrue(viaTrusteeBundle.check("chain.leaf").orElseThrow().passed(), viaTrusteeBundle::toText);
    }
}
