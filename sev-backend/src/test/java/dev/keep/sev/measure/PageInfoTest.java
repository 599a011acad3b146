package dev.keep.sev.measure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PageInfoTest {

    private static byte[] filled(int value) {
        byte[] b = new byte[48];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void layoutMatchesTheFirmwareStructure() {
        assertEquals(0x70, PageInfo.SIZE);
        assertEquals(0x00, PageInfo.OFFSET_DIGEST_CUR);
        assertEquals(0x30, PageInfo.OFFSET_CONTENTS);
        assertEquals(0x60, PageInfo.OFFSET_LENGTH);
        assertEquals(0x62, PageInfo.OFFSET_PAGE_TYPE);
        assertEquals(0x63, PageInfo.OFFSET_IMI_PAGE);
        assertEquals(0x64, PageInfo.OFFSET_VMPL3_PERMS);
        assertEquals(0x65, PageInfo.OFFSET_VMPL2_PERMS);
        assertEquals(0x66, PageInfo.OFFSET_VMPL1_PERMS);
        assertEquals(0x67, PageInfo.OFFSET_RESERVED);
        assertEquals(0x68, PageInfo.OFFSET_GPA);
    }

    @Test
    void everyFieldLandsAtItsOffsetLittleEndian() {
        PageInfo info = new PageInfo(filled(0xA1), filled(0xB2), PageType.SECRETS,
                new PageAttributes(true, 0x13, 0x24, 0x35), 0x0000_1234_5678_9000L);
        byte[] bytes = info.toBytes();
        assertEquals(0x70, bytes.length);
        assertArrayEquals(filled(0xA1), Arrays.copyOfRange(bytes, 0x00, 0x30));
        assertArrayEquals(filled(0xB2), Arrays.copyOfRange(bytes, 0x30, 0x60));
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0x70, le.getShort(0x60));
        assertEquals(0x05, bytes[0x62]);
        assertEquals(0x01, bytes[0x63]);
        assertEquals(0x13, bytes[0x64]);
        assertEquals(0x24, bytes[0x65]);
        assertEquals(0x35, bytes[0x66]);
        assertEquals(0x00, bytes[0x67]);
        assertEquals(0x0000_1234_5678_9000L, le.getLong(0x68));
        assertEquals(0x00, bytes[0x68]);
        assertEquals(0x90, bytes[0x69] & 0xFF);
    }

    @Test
    void pageTypeCodesAreTheFirmwareValues() {
        assertEquals(1, PageType.NORMAL.code());
        assertEquals(2, PageType.VMSA.code());
        assertEquals(3, PageType.ZERO.code());
        assertEquals(4, PageType.UNMEASURED.code());
        assertEquals(5, PageType.SECRETS.code());
        assertEquals(6, PageType.CPUID.code());
        for (PageType type : PageType.values()) {
            assertEquals(type, PageType.fromCode(type.code()));
        }
        assertThrows(IllegalArgumentException.class, () -> PageType.fromCode(7));
    }

    @Test
    void refusesWrongSizedDigestsAndPermissions() {
        assertThrows(IllegalArgumentException.class,
                () -> new PageInfo(new byte[47], filled(0), PageType.ZERO, PageAttributes.NONE, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new PageInfo(filled(0), new byte[49], PageType.ZERO, PageAttributes.NONE, 0));
        assertThrows(IllegalArgumentException.class, () -> new PageAttributes(false, 256, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new PageAttributes(false, 0, -1, 0));
    }

    @Test
    void isImmutable() {
        byte[] digest = filled(1);
        PageInfo info = new PageInfo(digest, filled(2), PageType.ZERO, PageAttributes.NONE, 0);
        digest[0] = 9;
        info.digestCur()[1] = 9;
        assertArrayEquals(filled(1), info.digestCur());
    }
}
