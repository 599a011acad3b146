package dev.keep.attestation.report;

import static dev.keep.attestation.SnpTestData.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ReportParserTest {
    private static AttestationReport parse(String file) throws ReportFormatException {
        return ReportParser.parseFileContents(bytes(file));
    }

    @Test
    void parsesVersion2HexReportFields() throws Exception {
        AttestationReport r = parse(R1_REPORT);
        assertEquals(2, r.version());
        assertEquals(0, r.guestSvn());
        assertEquals(0x30000, r.policy().raw());
        assertTrue(r.policy().smtAllowed());
        assertFalse(r.policy().debugAllowed());
        assertTrue(r.policy().wellFormed());
        assertEquals(0, r.vmpl());
        assertEquals(1, r.signatureAlgorithm());
        assertEquals(SigningKey.VCEK, r.signingKey());
        assertTrue(r.platformInfo().smtEnabled());
        assertEquals("7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f",
                Hex.encode(r.measurement()));
        TcbVersion tcb = r.reportedTcb(TcbLayout.LEGACY);
        assertEquals(3, tcb.bootloader());
        assertEquals(0, tcb.tee());
        assertEquals(8, tcb.snp());
        assertEquals(115, tcb.microcode());
        assertEquals("1.52.4", r.currentVersion().toString());
        assertEquals("1.52.4", r.committedVersion().toString());
        assertTrue(r.cpuidFamily().isEmpty());
        assertTrue(r.launchMitigationVector().isEmpty());
        assertTrue(r.productFromReport().isEmpty(), "v2 Milan/Genoa cannot be told apart");
        assertTrue(r.nonZeroReservedFields().isEmpty());
        byte[] ma = r.reportIdMa();
        assertTrue(allEqual(ma, (byte) 0xFF), "no migration agent");
        assertEquals(72, r.signatureR().length);
        assertEquals(72, r.signatureS().length);
        assertEquals(0x2A0, r.signedBytes().length);
    }

    @Test
    void hexAndBinaryFormsParseToTheSameReport() throws Exception {
        AttestationReport fromHex = parse(R1_REPORT);
        String spaced = Hex.encode(fromHex.rawBytes()).replaceAll("(.{64})", "$1\n");
        AttestationReport fromSpacedHex = ReportParser.parseFileContents(spaced.getBytes(StandardCharsets.US_ASCII));
        AttestationReport fromBinary = ReportParser.parseFileContents(fromHex.rawBytes());
        assertArrayEquals(fromHex.rawBytes(), fromSpacedHex.rawBytes());
        assertArrayEquals(fromHex.rawBytes(), fromBinary.rawBytes());
    }

    @Test
    void parsesVersion3GenoaWithCpuid() throws Exception {
        AttestationReport r = parse(R8_REPORT);
        assertEquals(3, r.version());
        assertEquals(Product.GENOA, r.productFromReport().orElseThrow());
        TcbVersion tcb = r.reportedTcb(Product.GENOA.tcbLayout());
        assertEquals("bl=10 tee=0 snp=23 ucode=84", tcb.toString());
        assertEquals(0x3001f, r.policy().raw());
        assertEquals("0.31", r.policy().abi());
    }

    @Test
    void parsesVlekSignerInfo() throws Exception {
        AttestationReport r = parse(R4_REPORT);
        assertEquals(SigningKey.VLEK, r.signingKey());
        assertEquals(1, r.vmpl());
        assertTrue(r.chipIdMasked());
        assertTrue(r.platformInfo().aliasCheckComplete());
        assertEquals(Product.MILAN, r.productFromReport().orElseThrow());
    }

    @Test
    void parsesVersion5MitigationVectorsAndNarrowerReservedArea() throws Exception {
        byte[] raw = bytes(R8_REPORT);
        raw[0] = 5;
        raw[0x1F8] = 0x11; // LAUNCH_MIT_VECTOR
        raw[0x200] = 0x22; // CURRENT_MIT_VECTOR
        AttestationReport v5 = ReportParser.parse(raw);
        assertEquals(5, v5.version());
        assertEquals(0x11, v5.launchMitigationVector().orElseThrow());
        assertEquals(0x22, v5.currentMitigationVector().orElseThrow());
        assertTrue(v5.nonZeroReservedFields().isEmpty(), v5.nonZeroReservedFields()::toString);

        raw[0] = 3;
        AttestationReport v3 = ReportParser.parse(raw);
        assertTrue(v3.launchMitigationVector().isEmpty());
        assertEquals(java.util.List.of("reserved 0x1F8"), v3.nonZeroReservedFields(),
                "in v3 the mitigation vector bytes are reserved");
    }

    @Test
    void refusesUnknownVersionsWithAReason() {
        for (int version : new int[] {0, 1, 4, 6, 255}) {
            byte[] raw = bytes(R8_REPORT);
            raw[0] = (byte) version;
            ReportFormatException e = assertThrows(ReportFormatException.class, () -> ReportParser.parse(raw));
            assertTrue(e.getMessage().contains("version " + version), e.getMessage());
            assertTrue(e.getMessage().contains("supported versions: 2, 3, 5"), e.getMessage());
        }
        byte[] raw = bytes(R8_REPORT);
        raw[0] = 6;
        assertTrue(assertThrows(ReportFormatException.class, () -> ReportParser.parse(raw)).getMessage()
                .contains("newer"));
    }

    @Test
    void refusesTruncatedOversizedAndEmptyInput() {
        byte[] raw = bytes(R3_REPORT);
        assertTrue(assertThrows(ReportFormatException.class,
                () -> ReportParser.parseFileContents(Arrays.copyOf(raw, 1183))).getMessage().contains("truncated"));
        assertTrue(assertThrows(ReportFormatException.class,
                () -> ReportParser.parseFileContents(Arrays.copyOf(raw, 1185))).getMessage().contains("oversized"));
        assertTrue(assertThrows(ReportFormatException.class,
                () -> ReportParser.parseFileContents(new byte[0])).getMessage().contains("empty"));
        String halfHex = Hex.encode(Arrays.copyOf(raw, 600));
        assertTrue(assertThrows(ReportFormatException.class, () -> ReportParser.parseFileContents(
                halfHex.getBytes(StandardCharsets.US_ASCII))).getMessage().contains("600 bytes"));
    }

    @Test
    void recordsNonZeroReservedFields() throws Exception {
        byte[] raw = bytes(R3_REPORT);
        raw[0x4C] = 1;
        raw[0x400] = 1;
        raw[0x48] = (byte) 0x20; // signer info bit 5 is MBZ
        assertEquals(java.util.List.of("reserved 0x04C", "signer info bits 31:5", "signature reserved 0x330"),
                ReportParser.parse(raw).nonZeroReservedFields());
    }

    @Test
    void decodesTurinTcbLayoutWithFmc() {
        // The Microsoft Turin report's REPORTED_TCB (sev-snp.md 2.3): 01 01 01 04 00 00 00 51.
        long raw = 0x5100_0000_0401_0101L;
        TcbVersion turin = TcbVersion.decode(raw, TcbLayout.TURIN);
        assertEquals(1, turin.fmc());
        assertEquals(1, turin.bootloader());
        assertEquals(1, turin.tee());
        assertEquals(4, turin.snp());
        assertEquals(0x51, turin.microcode());
        assertEquals("0101010400000051", turin.rawHex());
        assertTrue(turin.reservedBytesZero());
        TcbVersion legacy = TcbVersion.decode(raw, TcbLayout.LEGACY);
        assertEquals(-1, legacy.fmc());
        assertFalse(legacy.reservedBytesZero(), "the same bytes are not a valid legacy TCB");
        assertEquals(turin, TcbVersion.of(TcbLayout.TURIN, 1, 1, 1, 4, 0x51));
    }

    @Test
    void tellsTurinV2ReportsByTheirChipIdShape() throws Exception {
        byte[] raw = bytes(R3_REPORT);
        Arrays.fill(raw, 0x1A8, 0x1E0, (byte) 0);
        assertEquals(Product.TURIN, ReportParser.parse(raw).productFromReport().orElseThrow());
    }

    @Test
    void mapsCpuidToProducts() {
        assertEquals(Product.MILAN, Product.fromCpuid(0x19, 0x01).orElseThrow());
        assertEquals(Product.GENOA, Product.fromCpuid(0x19, 0x11).orElseThrow());
        assertEquals(Product.GENOA, Product.fromCpuid(0x19, 0xA0).orElseThrow());
        assertEquals(Product.TURIN, Product.fromCpuid(0x1A, 0x02).orElseThrow());
        assertTrue(Product.fromCpuid(0x17, 0x31).isEmpty());
        assertEquals(Product.MILAN, Product.fromName("Milan-B0").orElseThrow());
    }

    private static boolean allEqual(byte[] bytes, byte value) {
        for (byte b : bytes) {
            if (b != value) {
                return false;
            }
        }
        return true;
    }
}
