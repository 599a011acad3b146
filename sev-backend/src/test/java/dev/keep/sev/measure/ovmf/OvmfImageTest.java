package dev.keep.sev.measure.ovmf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.sev.measure.TestData;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class OvmfImageTest {

    private static final String FIXTURES = "virtee-sev-snp-measure/tests/fixtures/";

    @Test
    void amdSevSuffixMetadataAsDumpedInTheReference() {
        OvmfImage ovmf = OvmfImage.endingAtFourGiB(TestData.read(FIXTURES + "ovmf_AmdSev_suffix.bin"));
        assertEquals(0xFFFF_F000L, ovmf.gpa());
        assertEquals(List.of(
                new MetadataSection(0x800000, 0x9000, SectionType.SNP_SEC_MEM),
                new MetadataSection(0x80A000, 0x3000, SectionType.SNP_SEC_MEM),
                new MetadataSection(0x80D000, 0x1000, SectionType.SNP_SECRETS),
                new MetadataSection(0x80E000, 0x1000, SectionType.CPUID),
                new MetadataSection(0x80F000, 0x1000, SectionType.SVSM_CAA),
                new MetadataSection(0x810000, 0x1000, SectionType.SNP_KERNEL_HASHES),
                new MetadataSection(0x811000, 0xF000, SectionType.SNP_SEC_MEM)),
                ovmf.metadataSections());
        assertEquals(0x80B004, ovmf.sevEsResetEip());
        assertEquals(0x810C00, ovmf.sevHashesTableGpa());
        assertTrue(ovmf.supportsSevHashesTable());
    }

    @Test
    void ovmfX64CannotMeasureAKernel() {
        OvmfImage ovmf = OvmfImage.endingAtFourGiB(TestData.read(FIXTURES + "ovmf_OvmfX64_suffix.bin"));
        assertFalse(ovmf.hasSection(SectionType.SNP_KERNEL_HASHES));
        assertFalse(ovmf.supportsSevHashesTable());
    }

    @Test
    void svsmEntryIsRelativeToTheImage() {
        byte[] svsm = TestData.read(FIXTURES + "svsm.bin");
        OvmfImage image = OvmfImage.endingAt(svsm, 0x1_0000_0000L - 0x400000);
        long offset = image.svsmEntryEip() - image.gpa();
        assertTrue(offset >= 0 && offset < svsm.length, "entry offset 0x" + Long.toHexString(offset));
        assertFalse(image.metadataSections().isEmpty());
    }

    @Test
    void efiGuidByteOrder() {
        UUID guid = UUID.fromString("96b582de-1fb2-45f7-baea-a366c55a082d");
        byte[] bytes = Guids.toEfiBytes(guid);
        assertArrayEquals(TestData.hex("de82b596b21ff745baeaa366c55a082d"), bytes);
        assertEquals(guid, Guids.fromEfiBytes(bytes, 0));
    }

    @Test
    void imageWithoutFooterHasNoTable() {
        OvmfImage blank = OvmfImage.endingAtFourGiB(new byte[8192]);
        assertTrue(blank.metadataSections().isEmpty());
        FirmwareFormatException e = assertThrows(FirmwareFormatException.class, blank::sevEsResetEip);
        assertTrue(e.getMessage().contains("SEV-ES reset block"), e.getMessage());
    }

    @Test
    void malformedImagesAreRefusedWithAReason() {
        byte[] good = TestData.read(FIXTURES + "ovmf_AmdSev_suffix.bin");
        assertRefused(new byte[0], "empty");
        assertRefused(new byte[4000], "multiple of 4096");

        byte[] hugeTable = good.clone();
        int footer = hugeTable.length - 32 - 18;
        hugeTable[footer] = (byte) 0xFF;
        hugeTable[footer + 1] = (byte) 0xFF;
        assertRefused(hugeTable, "more than the image holds");

        byte[] badSignature = good.clone();
        int metadata = indexOf(badSignature, new byte[] {'A', 'S', 'E', 'V'});
        badSignature[metadata] = 'X';
        assertRefused(badSignature, "ASEV");

        byte[] badVersion = good.clone();
        badVersion[metadata + 8] = 2;
        assertRefused(badVersion, "version 2");

        byte[] badType = good.clone();
        badType[metadata + 16 + 8] = 0x7;
        assertRefused(badType, "section type 0x7");

        assertThrows(FirmwareFormatException.class, () -> OvmfImage.endingAt(good, 0x800));
    }

    private static void assertRefused(byte[] image, String reason) {
        FirmwareFormatException e = assertThrows(FirmwareFormatException.class,
                () -> OvmfImage.endingAtFourGiB(image));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }
}
