package dev.keep.sev.measure;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One PAGE_INFO structure (AMD SEV-SNP ABI, "Layout of the PAGE_INFO structure"): the record the
 * firmware hashes with SHA-384 for every page added during launch. The hash becomes the next launch
 * digest.
 *
 * <pre>
 * 0x00 48 DIGEST_CUR   launch digest before this page
 * 0x30 48 CONTENTS     SHA-384 of the page (NORMAL, VMSA) or zero
 * 0x60  2 LENGTH       0x70
 * 0x62  1 PAGE_TYPE
 * 0x63  1 IMI_PAGE     bit 0
 * 0x64  1 VMPL3_PERMS
 * 0x65  1 VMPL2_PERMS
 * 0x66  1 VMPL1_PERMS
 * 0x67  1 reserved
 * 0x68  8 GPA
 * </pre>
 */
public record PageInfo(byte[] digestCur, byte[] contents, PageType pageType, PageAttributes attributes,
                       long gpa) {

    public static final int SIZE = 0x70;
    public static final int OFFSET_DIGEST_CUR = 0x00;
    public static final int OFFSET_CONTENTS = 0x30;
    public static final int OFFSET_LENGTH = 0x60;
    public static final int OFFSET_PAGE_TYPE = 0x62;
    public static final int OFFSET_IMI_PAGE = 0x63;
    public static final int OFFSET_VMPL3_PERMS = 0x64;
    public static final int OFFSET_VMPL2_PERMS = 0x65;
    public static final int OFFSET_VMPL1_PERMS = 0x66;
    public static final int OFFSET_RESERVED = 0x67;
    public static final int OFFSET_GPA = 0x68;

    public PageInfo {
        if (digestCur == null || digestCur.length != LaunchDigest.DIGEST_SIZE) {
            throw new IllegalArgumentException("DIGEST_CUR must be 48 bytes");
        }
        if (contents == null || contents.length != LaunchDigest.DIGEST_SIZE) {
            throw new IllegalArgumentException("CONTENTS must be 48 bytes");
        }
        if (pageType == null || attributes == null) {
            throw new IllegalArgumentException("page type and attributes are required");
        }
        digestCur = digestCur.clone();
        contents = contents.clone();
    }

    @Override
    public byte[] digestCur() {
        return digestCur.clone();
    }

    @Override
    public byte[] contents() {
        return contents.clone();
    }

    /** The 112 little-endian bytes the firmware hashes. */
    public byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(OFFSET_DIGEST_CUR, digestCur);
        buf.put(OFFSET_CONTENTS, contents);
        buf.putShort(OFFSET_LENGTH, (short) SIZE);
        buf.put(OFFSET_PAGE_TYPE, (byte) pageType.code());
        buf.put(OFFSET_IMI_PAGE, (byte) (attributes.imi() ? 1 : 0));
        buf.put(OFFSET_VMPL3_PERMS, (byte) attributes.vmpl3Perms());
        buf.put(OFFSET_VMPL2_PERMS, (byte) attributes.vmpl2Perms());
        buf.put(OFFSET_VMPL1_PERMS, (byte) attributes.vmpl1Perms());
        buf.put(OFFSET_RESERVED, (byte) 0);
        buf.putLong(OFFSET_GPA, gpa);
        return buf.array();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PageInfo that && Arrays.equals(toBytes(), that.toBytes());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(toBytes());
    }

    @Override
    public String toString() {
        return "PageInfo[" + pageType + " gpa=0x" + Long.toHexString(gpa) + " " + attributes + "]";
    }
}
