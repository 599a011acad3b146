package dev.keep.sev.measure.ovmf;

import static dev.keep.sev.measure.TestData.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keep.sev.measure.Sha;
import dev.keep.sev.measure.TestData;
import org.junit.jupiter.api.Test;

/**
 * The reset VMSAs built here must equal, byte for byte, the pages the sev-snp-measure reference
 * tool dumped (shared testdata/snp/derived: QEMU, EPYC-v4, AmdSev OVMF with AP entry 0x80b004), and
 * hash to the SHA-384 values listed in sev-snp.md §4.3.
 */
class ResetVmsaTest {

    private static final long AMDSEV_AP_EIP = 0x80B004;

    @Test
    void bspFeatures0x1() {
        check("sev-snp-measure_vmsa_snp_qemu_epyc-v4_feat0x1_bsp.bin", ResetVmsa.BSP_RESET_EIP, 0x1,
                "77920c4c629ff47e90c0e174fc1ad0eb6fa664f88cd4739488058a8c6cb1a77b3856f55378e9518d0da99452d51c553a");
    }

    @Test
    void apFeatures0x1() {
        check("sev-snp-measure_vmsa_snp_qemu_epyc-v4_feat0x1_ap.bin", AMDSEV_AP_EIP, 0x1,
                "8413b852790765a310d95867a8b00bfca3a802b5a80830044b45e253fe96222657e11e53fcf63eb0e0afd722385bf7b4");
    }

    @Test
    void bspFeatures0x21() {
        check("sev-snp-measure_vmsa_snp_qemu_epyc-v4_feat0x21_bsp.bin", ResetVmsa.BSP_RESET_EIP, 0x21,
                "ae79efa6efbe1594a2717dfd42af495a0e4ed37b00e529a5fdf349bea04c3513962ffb0c74cf65b0d9a1857271833d6e");
    }

    @Test
    void apFeatures0x21() {
        check("sev-snp-measure_vmsa_snp_qemu_epyc-v4_feat0x21_ap.bin", AMDSEV_AP_EIP, 0x21,
                "180ef2675dc01615d31b3e84ef27a0a69d08bfbbb58ea4f6a0188f08884ab6407591ada42f99749ce9a406fb4e5d8355");
    }

    @Test
    void cpuSignatures() {
        assertEquals(0x800F12, CpuSignature.EPYC_V4);
        assertEquals(0xA00F11, CpuSignature.EPYC_MILAN);
        assertEquals(0xA10F10, CpuSignature.EPYC_GENOA);
        assertEquals(0xB00F00, CpuSignature.of(0x1A, 0, 0));
        assertEquals(0x00600, CpuSignature.of(6, 0, 0));
    }

    private static void check(String file, long eip, long features, String sha384) {
        byte[] dumped = TestData.read("derived/" + file);
        assertEquals(sha384, TestData.hex(Sha.sha384(dumped, 0, dumped.length)), "the shared dump itself");
        byte[] built = ResetVmsa.realMode(VmmModel.QEMU, eip, features, CpuSignature.EPYC_V4);
        assertArrayEquals(dumped, built);
        assertArrayEquals(hex(sha384), Sha.sha384(built, 0, built.length));
    }
}
