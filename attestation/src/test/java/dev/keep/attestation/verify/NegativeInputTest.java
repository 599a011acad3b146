package dev.keep.attestation.verify;

import static dev.keep.attestation.SnpTestData.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.attestation.TestPki;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.TcbLayout;
import dev.keep.attestation.report.TcbVersion;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Wrong chains, wrong products, unpinned roots, missing ASVK, broken files: each a failed verdict, never a throw. */
class NegativeInputTest {
    private final ReportVerifier verifier = new ReportVerifier(ArkPins.amd(), clockAt(VALID_TIME));

    private static void assertFailed(Verdict v, String check, String detailFragment) {
        assertFalse(v.verified(), v::toText);
        Check c = v.check(check).orElseThrow(() -> new AssertionError("no " + check + "\n" + v.toText()));
        assertFalse(c.passed(), v::toText);
        assertTrue(c.detail().contains(detailFragment), c.detail());
    }

    @Test
    void milanReportWithGenoaChainFails() {
        Verdict v = verifier.verify(evidence(R1_REPORT, R1_VCEK, GENOA_ASK_ARK_ASVK), VerificationPolicy.defaults());
        assertFailed(v, "chain.ark.pin", "no ARK-Milan certificate supplied (found ARK-Genoa)");
        assertFailed(v, "chain.intermediate", "no ASK (SEV-Milan) supplied");
    }

    @Test
    void genoaReportWithMilanVcekAndChainFailsOnProduct() {
        Verdict v = verifier.verify(evidence(R8_REPORT, R1_VCEK, R1_CHAIN), VerificationPolicy.defaults());
        assertFailed(v, "product", "sources disagree");
        assertFalse(v.check("report.signature").orElseThrow().passed());
    }

    @Test
    void policyDemandingAnotherProductFails() {
        Verdict v = verifier.verify(evidence(R1_REPORT, R1_VCEK, R1_CHAIN),
                VerificationPolicy.builder().product(Product.GENOA).build());
        assertFailed(v, "product", "policy says Genoa");
    }

    @Test
    void genuineArkFailsWhenPinnedForAnotherRoot() {
        ArkPins wrongPins = ArkPins.of(Map.of(Product.MILAN, ArkPins.amd().pin(Product.GENOA).orElseThrow()));
        Verdict v = new ReportVerifier(wrongPins, clockAt(VALID_TIME)).verify(evidence(R1_REPORT, R1_VCEK, R1_CHAIN),
                VerificationPolicy.defaults());
        assertFailed(v, "chain.ark.pin", "not the pinned");
        assertFailed(v, "chain.intermediate", "without a pinned ARK");
    }

    @Test
    void selfMadeArkWithAmdNameIsNotTrusted() throws Exception {
        TestPki fake = new TestPki("Milan", "Milan-B0", TcbVersion.of(TcbLayout.LEGACY, 0, 3, 0, 8, 115),
                new byte[64]);
        Evidence e = Evidence.builder().report(bytes(R1_REPORT)).certificates("vcek", bytes(R1_VCEK))
                .certificates("fake-ark.pem", TestPki.pem("CERTIFICATE", fake.ark.getEncoded())
                        .getBytes(StandardCharsets.US_ASCII))
                .certificates("ask", bytes(VIRTEE + "src/certs/snp/builtin/milan/ask.pem")).build();
        Verdict v = verifier.verify(e, VerificationPolicy.defaults());
        assertFailed(v, "chain.ark.pin", "fake-ark.pem has SHA-256");
    }

    @Test
    void vlekWithoutAsvkFails() {
        Verdict v = verifier.verify(evidence(R4_REPORT, R4_VLEK, MILAN_ASK_ARK),
                VerificationPolicy.builder().vmpl(1).build());
        assertFailed(v, "chain.intermediate", "a VLEK needs the ASVK (SEV-VLEK-Milan)");
        assertTrue(v.check("report.signature").orElseThrow().passed(), "the VLEK did sign the report");
    }

    @Test
    void vlekReportWithOnlyAVcekFails() {
        Verdict v = verifier.verify(evidence(R4_REPORT, R3_VCEK, MILAN_ASK_ARK_ASVK),
                VerificationPolicy.builder().vmpl(1).build());
        assertFailed(v, "chain.leaf", "no VLEK certificate");
        assertFailed(v, "report.signature", "no VLEK certificate");
    }

    @Test
    void vcekOfAnotherChipFails() {
        Verdict v = verifier.verify(evidence(R1_REPORT, R3_VCEK, R1_CHAIN), VerificationPolicy.defaults());
        assertFailed(v, "report.signature", "does not verify");
        assertFailed(v, "leaf.hwId", "is not the report's CHIP_ID");
        assertTrue(v.check("chain.leaf").orElseThrow().passed(), "that VCEK is still genuine");
    }

    @Test
    void expiredCertificatesFail() {
        Verdict v = new ReportVerifier(ArkPins.amd(), clockAt(Instant.parse("2026-06-01T00:00:00Z")))
                .verify(evidence(R4_REPORT, R4_VLEK, MILAN_ASK_ARK_ASVK), VerificationPolicy.builder().vmpl(1).build());
        assertFailed(v, "chain.validity", "SEV-VLEK expired 2025-12-10");
    }

    @Test
    void garbagePemIsAFailedCheck() {
        Evidence e = Evidence.builder().report(bytes(R1_REPORT)).certificates("vcek", bytes(R1_VCEK))
                .certificates("garbage.pem", ("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n"
                        + "-----END CERTIFICATE-----\n").getBytes(StandardCharsets.US_ASCII)).build();
        Verdict v = verifier.verify(e, VerificationPolicy.defaults());
        assertFailed(v, "certificates.load", "garbage.pem: certificate 1 is not a valid X.509 certificate");

        Evidence noPem = Evidence.builder().report(bytes(R1_REPORT))
                .certificates("notes.txt", "hello".getBytes(StandardCharsets.US_ASCII)).build();
        assertFailed(verifier.verify(noPem, VerificationPolicy.defaults()), "certificates.load",
                "neither DER nor PEM");

        Evidence badBase64 = Evidence.builder().report(bytes(R1_REPORT))
                .certificates("b64.pem", "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n"
                        .getBytes(StandardCharsets.US_ASCII)).build();
        assertFailed(verifier.verify(badBase64, VerificationPolicy.defaults()), "certificates.load", "b64.pem");
    }

    @Test
    void truncatedCertificateIsAFailedCheck() {
        byte[] vcek = bytes(R1_VCEK);
        Evidence e = Evidence.builder().report(bytes(R1_REPORT))
                .certificates("short.der", Arrays.copyOf(vcek, vcek.length / 2))
                .certificates("chain", bytes(R1_CHAIN)).build();
        Verdict v = verifier.verify(e, VerificationPolicy.defaults());
        assertFailed(v, "certificates.load", "short.der");
        assertFailed(v, "chain.leaf", "no VCEK certificate");
    }

    @Test
    void truncatedOversizedAndGarbledReportsAreFailedVerdicts() {
        byte[] report = bytes(R3_REPORT);
        assertFailed(verifier.verify(evidence(Arrays.copyOf(report, 1000), R3_VCEK, MILAN_ASK_ARK_ASVK),
                VerificationPolicy.defaults()), "report.format", "truncated");
        assertFailed(verifier.verify(evidence(Arrays.copyOf(report, 2000), R3_VCEK, MILAN_ASK_ARK_ASVK),
                VerificationPolicy.defaults()), "report.format", "oversized");
        byte[] random = new byte[1184];
        new java.util.Random(7).nextBytes(random);
        Verdict garbled = verifier.verify(evidence(random, R3_VCEK, MILAN_ASK_ARK_ASVK), VerificationPolicy.defaults());
        assertFailed(garbled, "report.format", "version");
        assertEquals(1, garbled.checks().size());
        assertTrue(garbled.toJson().contains("\"verified\" : false"));
    }

    @Test
    void noCertificatesAtAllFails() {
        Verdict v = verifier.verify(Evidence.builder().report(bytes(R1_REPORT)).build(), VerificationPolicy.defaults());
        assertFailed(v, "certificates.load", "no certificates supplied");
        assertFailed(v, "product", "cannot determine the product");
        assertFailed(v, "report.signature", "no VCEK");
    }

    @Test
    void wrongReportDataLengthIsAFailedVerdict() {
        Verdict v = verifier.verify(evidence(R1_REPORT, R1_VCEK, R1_CHAIN), VerificationPolicy.defaults(),
                new byte[32]);
        assertFailed(v, "policy.reportData", "64 bytes");
    }
}
