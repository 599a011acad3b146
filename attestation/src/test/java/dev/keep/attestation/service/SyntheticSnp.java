package dev.keep.attestation.service;

import dev.keep.attestation.SnpTestData;
import dev.keep.attestation.TestPki;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.protocol.EvidenceFiles;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.ReportParser;
import dev.keep.attestation.report.TcbLayout;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/**
 * TEST DOUBLE for the AMD root of trust. Real reports carry a fixed REPORT_DATA, so they cannot bind a key made by
 * a test. This private ARK -> ASK -> VCEK hierarchy (shaped like AMD's, see {@link TestPki}) has a VCEK carrying the
 * TCB and CHIP_ID of real report #1, and re-signs copies of report #1 with a chosen REPORT_DATA. A service trusts it
 * only through {@link #pins()}, which tests pass in place of {@link ArkPins#amd()}.
 */
final class SyntheticSnp {
    static final String MEASUREMENT =
            "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f";

    final TestPki pki;
    private final byte[] base;

    SyntheticSnp() throws Exception {
        AttestationReport real = ReportParser.parseFileContents(SnpTestData.bytes(SnpTestData.R1_REPORT));
        base = real.rawBytes();
        pki = new TestPki("Milan", "Milan-B0", real.reportedTcb(TcbLayout.LEGACY), real.chipId());
    }

    /** Pins for the private root: the test double of AMD's pinned ARK. */
    ArkPins pins() throws Exception {
        return ArkPins.of(Map.of(Product.MILAN, pki.arkSha256()));
    }

    /** Report #1 with {@code reportData} and any further change, signed by the private VCEK. */
    byte[] report(byte[] reportData, Consumer<byte[]> change) throws Exception {
        byte[] r = base.clone();
        System.arraycopy(reportData, 0, r, 0x050, 64);
        change.accept(r);
        pki.sign(r);
        return r;
    }

    byte[] report(byte[] reportData) throws Exception {
        return report(reportData, r -> { });
    }

    EvidenceFiles evidence(byte[] report) throws Exception {
        return EvidenceFiles.of(report, pki.vcek.getEncoded(), chainPem());
    }

    byte[] chainPem() throws Exception {
        return (TestPki.pem("CERTIFICATE", pki.ask.getEncoded()) + TestPki.pem("CERTIFICATE", pki.ark.getEncoded()))
                .getBytes(StandardCharsets.US_ASCII);
    }
}
