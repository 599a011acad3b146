package dev.keep.sev.measure.ovmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.sev.measure.TestData;
import dev.keep.sev.measure.ovmf.OvmfMeasurement.DirectBoot;
import org.junit.jupiter.api.Test;

/**
 * Every measurement vector published in sev-snp.md §4.5 (from virtee/sev-snp-measure
 * tests/test_guest.py at 8f2b337e, plus four values the reference computed with that tool), using the
 * fixtures copied to the shared test data. "kernel=/dev/null" in the reference means an empty kernel
 * (and an empty initrd when one is named); "no kernel" means OVMF boots without direct boot.
 * All inputs are available, so every vector is reproduced here.
 */
class PublishedVectorsTest {

    private static final String FIXTURES = "virtee-sev-snp-measure/tests/fixtures/";
    private static final String AMDSEV_FIRMWARE_DIGEST =
            "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74";
    private static final byte[] EMPTY = new byte[0];
    private static final long EPYC_V4 = CpuSignature.EPYC_V4;

    private static OvmfImage amdSev() {
        return OvmfImage.endingAtFourGiB(TestData.read(FIXTURES + "ovmf_AmdSev_suffix.bin"));
    }

    private static OvmfImage ovmfX64() {
        return OvmfImage.endingAtFourGiB(TestData.read(FIXTURES + "ovmf_OvmfX64_suffix.bin"));
    }

    private static DirectBoot emptyKernelAndInitrd(String cmdline) {
        return new DirectBoot(EMPTY, EMPTY, cmdline);
    }

    private static String snp(OvmfImage ovmf, String firmwareDigest, DirectBoot boot, int vcpus, long vcpuSig,
                              long features, VmmModel vmm) {
        byte[] seed = firmwareDigest == null ? null : TestData.hex(firmwareDigest);
        return TestData.hex(OvmfMeasurement.snp(ovmf, seed, boot, vcpus, vcpuSig, features, vmm));
    }

    // --- firmware digests -------------------------------------------------------------------

    @Test
    void amdSevFirmwareDigest() {
        assertEquals(AMDSEV_FIRMWARE_DIGEST, TestData.hex(OvmfMeasurement.snpFirmwareDigest(amdSev())));
    }

    @Test
    void ovmfX64FirmwareDigest() {
        assertEquals("b91e6fec73d2bcc57ad5fd400a426ce02731c22ea92bc894ce675e7c9921a822977d6cf025b85f8ef4f264bff8839d20",
                TestData.hex(OvmfMeasurement.snpFirmwareDigest(ovmfX64())));
    }

    // --- SNP, QEMU, AmdSev with direct boot ---------------------------------------------------

    @Test
    void snpCmdlineFeatures0x21() {
        DirectBoot boot = emptyKernelAndInitrd("console=ttyS0 loglevel=7");
        String expected = "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977";
        assertEquals(expected, snp(amdSev(), null, boot, 1, EPYC_V4, 0x21, VmmModel.QEMU));
        assertEquals(expected, snp(amdSev(), AMDSEV_FIRMWARE_DIGEST, boot, 1, EPYC_V4, 0x21, VmmModel.QEMU));
    }

    @Test
    void snpCmdlineFeatures0x1() {
        DirectBoot boot = emptyKernelAndInitrd("console=ttyS0 loglevel=7");
        String expected = "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa";
        assertEquals(expected, snp(amdSev(), null, boot, 1, EPYC_V4, 0x1, VmmModel.QEMU));
        assertEquals(expected, snp(amdSev(), AMDSEV_FIRMWARE_DIGEST, boot, 1, EPYC_V4, 0x1, VmmModel.QEMU));
    }

    @Test
    void snpEmptyCmdlineFromFirmwareDigestFeatures0x21() {
        assertEquals("329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198",
                snp(amdSev(), AMDSEV_FIRMWARE_DIGEST, emptyKernelAndInitrd(""), 1, EPYC_V4, 0x21, VmmModel.QEMU));
    }

    @Test
    void snpEmptyCmdlineFromFirmwareDigestFeatures0x1() {
        assertEquals("ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5",
                snp(amdSev(), AMDSEV_FIRMWARE_DIGEST, emptyKernelAndInitrd(""), 1, EPYC_V4, 0x1, VmmModel.QEMU));
    }

    @Test
    void snpFourVcpusFeatures0x21() {
        assertEquals("4953b1fb416fa874980e8442b3706d345926d5f38879134e00813c5d7abcbe78eafe7b422907be0b4698e2414a631942",
                snp(amdSev(), null, emptyKernelAndInitrd(""), 4, EPYC_V4, 0x21, VmmModel.QEMU));
    }

    @Test
    void snpFourVcpusFeatures0x1() {
        assertEquals("5061fffb019493a903613d56d54b94912a1a2f9e4502385f5c194616753720a92441310ba6c4933de877c36e23046ad5",
                snp(amdSev(), null, emptyKernelAndInitrd(""), 4, EPYC_V4, 0x1, VmmModel.QEMU));
    }

    // --- SNP, QEMU, without direct boot -------------------------------------------------------

    @Test
    void snpNoKernelFeatures0x21() {
        assertEquals("e1e1ca029dd7973ab9513295be68198472dcd4fc834bd9af9b63f6e8a1674dbf281a9278a4a2ebe0eed9f22adbcd0e2b",
                snp(amdSev(), null, null, 1, EPYC_V4, 0x21, VmmModel.QEMU));
    }

    @Test
    void snpNoKernelFeatures0x1() {
        assertEquals("19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d",
                snp(amdSev(), null, null, 1, EPYC_V4, 0x1, VmmModel.QEMU));
    }

    @Test
    void snpTwoVcpusNoKernelFeatures0x1() {
        assertEquals("ae7e31b6e2220dcb2832b050464cf9fb5da4feed92be5cdd966435c2ee722f341410bb2438923ee696bd23460ff9c904",
                snp(amdSev(), null, null, 2, EPYC_V4, 0x1, VmmModel.QEMU));
    }

    @Test
    void snpTwoVcpusNoKernelFeatures0x21() {
        assertEquals("7b4f6aa81aa1de12b78aeca2c639419006459bbadfdb707caf8710ebbf8c414ad846acecf523c331c914e89ed06d9a6d",
                snp(amdSev(), null, null, 2, EPYC_V4, 0x21, VmmModel.QEMU));
    }

    @Test
    void snpOvmfX64NoKernelFeatures0x21() {
        assertEquals("28797ae0afaba4005a81e629acebfb59e6687949d6be44007cd5506823b0dd66f146aaae26ff291eed7b493d8a64c385",
                snp(ovmfX64(), null, null, 1, EPYC_V4, 0x21, VmmModel.QEMU));
    }

    @Test
    void snpOvmfX64NoKernelFeatures0x1() {
        assertEquals("da0296de8193586a5512078dcd719eccecbd87e2b825ad4148c44f665dc87df21e5b49e21523a9ad993afdb6a30b4005",
                snp(ovmfX64(), null, null, 1, EPYC_V4, 0x1, VmmModel.QEMU));
    }

    @Test
    void snpOvmfX64RefusesAKernel() {
        FirmwareFormatException e = assertThrows(FirmwareFormatException.class,
                () -> snp(ovmfX64(), null, emptyKernelAndInitrd(""), 1, EPYC_V4, 0x21, VmmModel.QEMU));
        assertTrue(e.getMessage().contains("SNP_KERNEL_HASHES"), e.getMessage());
    }

    // --- SNP on EC2 and GCE -----------------------------------------------------------------

    @Test
    void snpEc2Features0x21() {
        assertEquals("0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb",
                snp(amdSev(), null, emptyKernelAndInitrd(""), 1, EPYC_V4, 0x21, VmmModel.EC2));
    }

    @Test
    void snpEc2Features0x1() {
        assertEquals("0883bd0eeb716e65b7b977a321c278d1e51b33b5c655fab985443bbcc65c086b9c15e8a0bd8811050dec7e24964e5056",
                snp(amdSev(), null, emptyKernelAndInitrd(""), 1, EPYC_V4, 0x1, VmmModel.EC2));
    }

    @Test
    void snpGceOneVcpu() {
        // GCE ignores the vCPU signature (RDX is always 0x600); 0 stands for "none given".
        assertEquals("5da7106cf14cf46b1725ebab123eb9e53bd46a1e9f400cd0c08e7827b04b688ea8b4e403c8404efed4397ea5d5d0722e",
                snp(amdSev(), null, emptyKernelAndInitrd(""), 1, 0, 0x1, VmmModel.GCE));
    }

    @Test
    void snpGceFourVcpus() {
        assertEquals("5c5debf100fc339f90276e761ee1f1658d08922c3b20e2a2e6c7a6c3370b2452a15a00eae11886a93d6fd1e7ab81e29d",
                snp(amdSev(), null, emptyKernelAndInitrd(""), 4, 0, 0x1, VmmModel.GCE));
    }

    // --- SNP with a Coconut SVSM --------------------------------------------------------------

    @Test
    void snpSvsmFourVcpus() {
        assertEquals("27d154c27b7b359c935e250ec6fee72aa0ae8c1225e3b0e1cf46a9567e938066d7d6f94bbdc4a857818bdb79277a44b2",
                svsm(4));
    }

    @Test
    void snpSvsmTwoVcpus() {
        assertEquals("9b94745036aafddf4f7f8b00c7513abb5b7703178cb95aaa57928bd963d68d3bfcb715d6019b9167ee2517b11b0d9be7",
                svsm(2));
    }

    private static String svsm(int vcpus) {
        return TestData.hex(OvmfMeasurement.snpSvsm(TestData.read(FIXTURES + "svsm_ovmf.fd"), 540672,
                TestData.read(FIXTURES + "svsm.bin"), vcpus, EPYC_V4));
    }

    // --- SEV-ES and SEV (SHA-256) -------------------------------------------------------------

    @Test
    void sevEsOneVcpu() {
        assertEquals("13810ae661ea11e2bb205621f582fee268f0367c8f97bc297b7fadef3e12002c",
                TestData.hex(OvmfMeasurement.sevEs(amdSev(), emptyKernelAndInitrd(""), 1, EPYC_V4, VmmModel.QEMU)));
    }

    @Test
    void sevEsFourVcpus() {
        assertEquals("0dccbcaba8e90b261bd0d2e1863a2f9da714768b7b2a19363cd6ae35aa90de91",
                TestData.hex(OvmfMeasurement.sevEs(amdSev(), emptyKernelAndInitrd(""), 4, EPYC_V4, VmmModel.QEMU)));
    }

    @Test
    void sevKernelInitrdAndCmdline() {
        assertEquals("82a3ee5d537c3620628270c292ae30cb40c3c878666a7890ee7ef2a08fb535ff",
                TestData.hex(OvmfMeasurement.sev(amdSev(), emptyKernelAndInitrd("console=ttyS0 loglevel=7"))));
    }

    @Test
    void sevKernelOnly() {
        assertEquals("77f613d7bbcdf12a73782ea9e88b0172aeda50d1a54201cb903594ff52846898",
                TestData.hex(OvmfMeasurement.sev(amdSev(), new DirectBoot(EMPTY, null, null))));
    }

    @Test
    void sevOvmfX64WithoutKernelIsTheFileHash() {
        assertEquals("b4c021e085fb83ceffe6571a3d357b4a98773c83c474e47f76c876708fe316da",
                TestData.hex(OvmfMeasurement.sev(ovmfX64(), null)));
    }

    @Test
    void sevAndSevEsRefuseAKernelTheFirmwareCannotMeasure() {
        assertThrows(FirmwareFormatException.class, () -> OvmfMeasurement.sev(ovmfX64(), emptyKernelAndInitrd("")));
        assertThrows(FirmwareFormatException.class,
                () -> OvmfMeasurement.sevEs(ovmfX64(), emptyKernelAndInitrd(""), 1, EPYC_V4, VmmModel.QEMU));
    }

    @Test
    void atLeastOneVcpu() {
        assertThrows(IllegalArgumentException.class,
                () -> snp(amdSev(), null, null, 0, EPYC_V4, 0x1, VmmModel.QEMU));
    }
}
