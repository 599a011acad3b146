package dev.keep.attestation.verify;

import static dev.keep.attestation.SnpTestData.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.report.Product;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every report of testdata/snp/README.md, with the verdict the README gives. */
class RealReportsTest {
    /** Checks that make up the README's chain / sig / TCB / hwID columns. */
    private static final List<String> ENDORSEMENT = List.of("chain.ark.pin", "chain.ark.selfSigned",
            "chain.intermediate", "chain.leaf", "chain.validity", "report.signature", "leaf.tcb", "leaf.hwId",
            "leaf.productName", "product");

    private final ReportVerifier verifier = new ReportVerifier(ArkPins.amd(), clockAt(VALID_TIME));

    private static void assertAllPassed(Verdict verdict) {
        assertTrue(verdict.verified(), verdict::toText);
        for (String name : ENDORSEMENT) {
            assertTrue(verdict.check(name).orElseThrow(() -> new AssertionError("missing " + name)).passed(),
                    verdict::toText);
        }
    }

    @Test
    void report1MilanHexVerifiesWithVirteeChain() {
        Verdict v = verifier.verify(evidence(R1_REPORT, R1_VCEK, R1_CHAIN), VerificationPolicy.defaults());
        assertAllPassed(v);
        assertEquals(Product.MILAN, v.product().orElseThrow());
        assertEquals(2, v.report().orElseThrow().version());
        assertTrue(v.check("leaf.tcb").orElseThrow().detail().contains("bl=3 tee=0 snp=8 ucode=115"));
    }

    @Test
    void report1AlsoVerifiesWithBuiltinArkAndAskFiles() {
        Verdict v = verifier.verify(evidence(R1_REPORT, R1_VCEK, VIRTEE + "src/certs/snp/builtin/milan/ark.pem",
                VIRTEE + "src/certs/snp/builtin/milan/ask.pem"), VerificationPolicy.defaults());
        assertAllPassed(v);
    }

    @Test
    void report2GoSevGuestVerifiesWhenPolicyAllowsItsDebugBit() {
        Verdict strict = verifier.verify(evidence(R2_REPORT, R2_VCEK, MILAN_ASK_ARK), VerificationPolicy.defaults());
        assertFalse(strict.verified());
        assertEquals(List.of("policy.debug"), strict.failures().stream().map(Check::name).toList());

        Verdict v = verifier.verify(evidence(R2_REPORT, R2_VCEK, MILAN_ASK_ARK),
                VerificationPolicy.builder().allowDebug(true).build());
        assertAllPassed(v);
        assertTrue(v.check("leaf.tcb").orElseThrow().detail().contains("bl=2 tee=0 snp=5 ucode=68"));
    }

    @Test
    void report3TrusteeVerifiesThoughCurrentTcbIsNewer() {
        Verdict v = verifier.verify(evidence(R3_REPORT, R3_VCEK, MILAN_ASK_ARK_ASVK), VerificationPolicy.defaults());
        assertAllPassed(v);
        var report = v.report().orElseThrow();
        assertEquals(206, report.currentTcb(Product.MILAN.tcbLayout()).microcode());
        assertEquals(115, report.reportedTcb(Product.MILAN.tcbLayout()).microcode());
    }

    @Test
    void report4VlekVerifiesThroughAsvkAtVmpl1() {
        Verdict v = verifier.verify(evidence(R4_REPORT, R4_VLEK, MILAN_ASK_ARK_ASVK),
                VerificationPolicy.builder().vmpl(1).build());
        assertAllPassed(v);
        assertTrue(v.check("chain.intermediate").orElseThrow().detail().contains("SEV-VLEK-Milan"));
        assertTrue(v.check("leaf.hwId").orElseThrow().detail().contains("no hwID"));
        assertEquals(3, v.report().orElseThrow().version());
    }

    @Test
    void report4FailsDefaultPolicyOnlyOnVmpl() {
        Verdict v = verifier.verify(evidence(R4_REPORT, R4_VLEK, MILAN_ASK_ARK_ASVK), VerificationPolicy.defaults());
        assertEquals(List.of("policy.vmpl"), v.failures().stream().map(Check::name).toList());
    }

    @Test
    void report5InvalidLegacyVcekFailsChainSignatureAndTcb() {
        assertInvalidVcek(R5_VCEK_LEGACY);
    }

    @Test
    void report5InvalidNewVcekFailsChainSignatureAndTcb() {
        assertInvalidVcek(R5_VCEK_NEW);
    }

    private void assertInvalidVcek(String vcek) {
        Verdict v = verifier.verify(evidence(R3_REPORT, vcek, MILAN_ASK_ARK_ASVK), VerificationPolicy.defaults());
        assertFalse(v.verified());
        assertFalse(v.check("chain.leaf").orElseThrow().passed(), v::toText);
        assertFalse(v.check("report.signature").orElseThrow().passed(), v::toText);
        assertFalse(v.check("leaf.tcb").orElseThrow().passed(), v::toText);
        assertFalse(v.check("leaf.hwId").orElseThrow().passed(), v::toText);
        assertTrue(v.check("chain.ark.pin").orElseThrow().passed(), "the genuine ARK is still genuine");
        assertTrue(v.check("chain.intermediate").orElseThrow().passed(), "the genuine ASK is still genuine");
    }

    @Test
    void report6AzureHclReportVerifiesFromOneBundleWithVcekAskArk() {
        Verdict v = verifier.verify(evidence(R6_REPORT, R6_VCEK_BUNDLE), VerificationPolicy.defaults());
        assertAllPassed(v);
        assertEquals(0, v.report().orElseThrow().vmpl());
    }

    @Test
    void report7EvidenceV0Verifies() {
        Verdict v = verifier.verify(evidence(R7_REPORT, R7_VCEK, MILAN_ASK_ARK_ASVK), VerificationPolicy.defaults());
        assertAllPassed(v);
        assertEquals("1.55.29", v.report().orElseThrow().currentVersion().toString());
    }

    @Test
    void report8GenoaVerifies() {
        Verdict v = verifier.verify(evidence(R8_REPORT, R8_VCEK, GENOA_ASK_ARK_ASVK), VerificationPolicy.defaults());
        assertAllPassed(v);
        assertEquals(Product.GENOA, v.product().orElseThrow());
        assertTrue(v.check("leaf.tcb").orElseThrow().detail().contains("bl=10 tee=0 snp=23 ucode=84"));
        var report = v.report().orElseThrow();
        assertEquals(0x19, report.cpuidFamily().orElseThrow());
        assertEquals(0x11, report.cpuidModel().orElseThrow());
        assertEquals(1, report.cpuidStepping().orElseThrow());
    }
}
