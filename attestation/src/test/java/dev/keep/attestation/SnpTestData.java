package dev.keep.attestation;

import dev.keep.attestation.verify.Evidence;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** Paths into ../shared/testdata/snp (see its README for what each file is) and small helpers. */
public final class SnpTestData {
    public static final String TRUSTEE = "confidential-containers-trustee/";
    public static final String GO_SEV = "google-go-sev-guest/";
    public static final String VIRTEE = "virtee-sev/";

    // Report #1: virtee Milan, hex text.
    public static final String R1_REPORT = VIRTEE + "tests/certs_data/report_milan.hex";
    public static final String R1_VCEK = VIRTEE + "tests/certs_data/vcek_milan.der";
    public static final String R1_CHAIN = VIRTEE + "tests/certs_data/cert_chain_milan";
    // Report #2: go-sev-guest.
    public static final String R2_REPORT = GO_SEV + "verify/testdata/attestation.bin";
    public static final String R2_VCEK = GO_SEV + "verify/testdata/vcek.testcer";
    public static final String MILAN_ASK_ARK = GO_SEV + "verify/trust/ask_ark_milan.pem";
    // Reports #3, #4, #5: trustee.
    public static final String R3_REPORT = TRUSTEE + "deps/verifier/test_data/snp/test-report.bin";
    public static final String R3_VCEK = TRUSTEE + "deps/verifier/test_data/snp/test-vcek.der";
    public static final String MILAN_ASK_ARK_ASVK = TRUSTEE + "deps/verifier/src/snp/milan_ask_ark_asvk.pem";
    public static final String GENOA_ASK_ARK_ASVK = TRUSTEE + "deps/verifier/src/snp/genoa_ask_ark_asvk.pem";
    public static final String TURIN_ASK_ARK_ASVK = TRUSTEE + "deps/verifier/src/snp/turin_ask_ark_asvk.pem";
    public static final String R4_REPORT = TRUSTEE + "deps/verifier/test_data/snp/test-vlek-report.bin";
    public static final String R4_VLEK = TRUSTEE + "deps/verifier/test_data/snp/test-vlek.der";
    public static final String R5_VCEK_LEGACY = TRUSTEE + "deps/verifier/test_data/snp/test-vcek-invalid-legacy.der";
    public static final String R5_VCEK_NEW = TRUSTEE + "deps/verifier/test_data/snp/test-vcek-invalid-new.der";
    // Report #6: Azure HCL.
    public static final String R6_REPORT = TRUSTEE + "extracted/hcl-report.snp-report.bin";
    public static final String R6_VCEK_BUNDLE = TRUSTEE + "deps/verifier/test_data/az-snp-vtpm/vcek.pem";
    // Report #7.
    public static final String R7_REPORT = TRUSTEE + "extracted/evidence-v0.snp-report.bin";
    public static final String R7_VCEK = TRUSTEE + "extracted/evidence-v0.vcek.pem";
    // Report #8: Genoa.
    public static final String R8_REPORT = TRUSTEE + "extracted/evidence-genoa.snp-report.bin";
    public static final String R8_VCEK = TRUSTEE + "deps/verifier/test_data/az-snp-vtpm/vcek-genoa.pem";
    // Turin certificates (no Turin report exists in the data).
    public static final String TURIN_VCEK = VIRTEE + "tests/certs_data/vcek_turin.der";
    public static final String TURIN_CHAIN = VIRTEE + "tests/certs_data/cert_chain_turin";
    public static final String GENOA_VLEK_CHAIN = GO_SEV + "verify/trust/ask_ark_genoa_vlek.pem";

    /** A time inside every certificate's validity, including the one-year VLEK of report #4 (2024-12..2025-12). */
    public static final Instant VALID_TIME = Instant.parse("2025-06-01T00:00:00Z");

    private SnpTestData() {}

    public static Path root() {
        return Path.of(System.getProperty("keep.projectRoot")).resolve("../shared/testdata/snp").normalize();
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }

    public static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Clock clockAt(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    /** Evidence from a report file and certificate files, each named by its path. */
    public static Evidence evidence(String report, String... certificateFiles) {
        return evidence(bytes(report), certificateFiles);
    }

    public static Evidence evidence(byte[] report, String... certificateFiles) {
        Evidence.Builder b = Evidence.builder().report(report);
        for (String file : certificateFiles) {
            b.certificates(file, bytes(file));
        }
        return b.build();
    }
}
