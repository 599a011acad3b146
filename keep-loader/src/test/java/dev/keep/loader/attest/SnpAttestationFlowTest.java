package dev.keep.loader.attest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.attestation.SnpTestData;
import dev.keep.attestation.TestPki;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.TcbLayout;
import dev.keep.attestation.report.TcbVersion;
import dev.keep.attestation.verify.Check;
import dev.keep.attestation.verify.Evidence;
import dev.keep.attestation.verify.ReportVerifier;
import dev.keep.attestation.verify.Verdict;
import dev.keep.loader.cli.CliRun;
import dev.keep.shim.snp.AttestationCall;
import dev.keep.shim.snp.NativeAttestationPath;
import dev.keep.shim.snp.PspTestDouble;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 item 5's flow without SEV hardware: an app calling {@code keep.attestation_report}, the
 * measurement {@code keep measure} prints for it, the keep's real #VC attestation path run natively
 * (see {@link NativeAttestationPath}) against a PSP double that reports that measurement and signs
 * with a test VCEK, and the attestation module's verifier accepting the report only for that
 * measurement, that REPORT_DATA and a root it pins.
 *
 * <p>Test doubles, clearly not keep code: the PSP (firmware on hardware this machine lacks) and the
 * AMD root ARK -> ASK -> VCEK ({@link TestPki}), trusted only through pins made for it.
 */
class SnpAttestationFlowTest {
    private static final int C_BIT = 51;
    private static final int MEMORY_BYTES = 65536;
    private static final int REPORT_DATA_AT = 1024;
    private static final int REPORT_AT = 4096;
    /** What the app attests to: its own 64 bytes, in its data segment. */
    private static final byte[] APP_REPORT_DATA =
            "keep attestation flow: this app's own 64 bytes of REPORT_DATA...".getBytes(StandardCharsets.US_ASCII);
    private static final String APP = """
            (module
              (import "keep" "attestation_report" (func $report (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
              (memory 1)
              (data (i32.const %d) "%s")
              (func (export "_start")
                (call $exit (call $report (i32.const %d) (i32.const %d) (i32.const %d)))))
            """.formatted(REPORT_DATA_AT, new String(APP_REPORT_DATA, StandardCharsets.US_ASCII), REPORT_DATA_AT,
            REPORT_AT, AttestationCall.REPORT_SIZE);

    private static TestPki pki;
    private static String measurement;
    private static byte[] report;

    @BeforeAll
    static void attestTheApp(@TempDir Path dir) throws Throwable {
        assertEquals(64, APP_REPORT_DATA.length);
        Path wasm = dir.resolve("app.wasm");
        Files.write(wasm, Wat2Wasm.parse(APP));
        measurement = keepMeasure(wasm);

        pki = new TestPki("Milan", "Milan-B0", TcbVersion.of(TcbLayout.LEGACY, 0, 0, 0, 0, 0), new byte[64]);
        byte[] expected = HexFormat.of().parseHex(measurement);
        try (NativeAttestationPath keep = new NativeAttestationPath(MEMORY_BYTES,
                vmpck0 -> new PspTestDouble(vmpck0, expected, pki::sign), new Random(0x5EED))) {
            // The app's data segment, where the keep loads it in linear memory.
            keep.write(REPORT_DATA_AT, APP_REPORT_DATA);
            long result = keep.attest(REPORT_DATA_AT, REPORT_AT);
            assertNull(keep.refusal(), "the PSP double accepted the keep's request");
            assertEquals(AttestationCall.REPORT_SIZE, result);
            report = keep.read(REPORT_AT, AttestationCall.REPORT_SIZE);
        }
    }

    /** The measurement as {@code keep measure --cbit 51 app.wasm} prints it. */
    private static String keepMeasure(Path wasm) {
        CliRun.Result r = CliRun.keep("measure", "--cbit", String.valueOf(C_BIT), wasm.toString());
        assertEquals(0, r.exit(), r.err());
        String hex = r.out().strip();
        assertTrue(hex.matches("[0-9a-f]{96}"), "a 48-byte measurement: " + hex);
        return hex;
    }

    private static Verdict verify(ArkPins pins, String allowedMeasurement) throws Exception {
        Evidence evidence = Evidence.builder()
                .report(report)
                .certificates("vcek.der", pki.vcek.getEncoded())
                .certificates("ask.der", pki.ask.getEncoded())
                .certificates("ark.der", pki.ark.getEncoded())
                .build();
        VerificationPolicy policy = VerificationPolicy.builder().allowMeasurement(allowedMeasurement).build();
        ReportVerifier verifier = new ReportVerifier(pins, Clock.fixed(SnpTestData.VALID_TIME, ZoneOffset.UTC));
        return verifier.verify(evidence, policy, APP_REPORT_DATA);
    }

    private static ArkPins testRootOnly() throws Exception {
        return ArkPins.of(Map.of(Product.MILAN, pki.arkSha256()));
    }

    @Test
    void theReportCarriesTheAppsReportDataAndKeepMeasuresMeasurement() {
        assertArrayEquals(APP_REPORT_DATA, Arrays.copyOfRange(report, 0x50, 0x90));
        assertEquals(measurement, HexFormat.of().formatHex(Arrays.copyOfRange(report, 0x90, 0xC0)));
    }

    @Test
    void theVerifierAcceptsTheReportForTheMeasuredAppAndItsReportData() throws Exception {
        Verdict verdict = verify(testRootOnly(), measurement);
        assertTrue(verdict.verified(), verdict.toText());
        // Named checks, so that acceptance cannot come from a verifier that checked less.
        assertTrue(verdict.check("report.signature").map(Check::passed).orElse(false), verdict.toText());
        assertTrue(verdict.check("chain.ark.pin").map(Check::passed).orElse(false), verdict.toText());
        assertTrue(verdict.check("policy.measurement").map(Check::passed).orElse(false), verdict.toText());
        assertTrue(verdict.check("policy.reportData").map(Check::passed).orElse(false), verdict.toText());
    }

    @Test
    void theVerifierRefusesTheTestRootWhenItPinsOnlyAmdsRoots() throws Exception {
        Verdict verdict = verify(ArkPins.amd(), measurement);
        assertFalse(verdict.verified(), verdict.toText());
        assertFalse(verdict.check("chain.ark.pin").map(Check::passed).orElse(true), verdict.toText());
    }

    @Test
    void theVerifierRefusesAMeasurementOneBitOff() throws Exception {
        byte[] other = HexFormat.of().parseHex(measurement);
        other[47] ^= 1;
        Verdict verdict = verify(testRootOnly(), HexFormat.of().formatHex(other));
        assertFalse(verdict.verified(), verdict.toText());
        assertEquals(1, verdict.failures().size(), verdict.toText());
        assertEquals("policy.measurement", verdict.failures().get(0).name());
    }

    @Test
    void theVerifierRefusesOtherReportData() throws Exception {
        byte[] other = APP_REPORT_DATA.clone();
        other[0] ^= 1;
        Evidence evidence = Evidence.builder().report(report)
                .certificates("vcek.der", pki.vcek.getEncoded())
                .certificates("ask.der", pki.ask.getEncoded())
                .certificates("ark.der", pki.ark.getEncoded()).build();
        Verdict verdict = new ReportVerifier(testRootOnly(), Clock.fixed(SnpTestData.VALID_TIME, ZoneOffset.UTC))
                .verify(evidence, VerificationPolicy.builder().allowMeasurement(measurement).build(), other);
        assertFalse(verdict.verified(), verdict.toText());
        assertEquals("policy.reportData", verdict.failures().get(0).name(), verdict.toText());
    }
}
