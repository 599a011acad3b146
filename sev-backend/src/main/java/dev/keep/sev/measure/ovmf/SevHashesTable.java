package dev.keep.sev.measure.ovmf;

import dev.keep.sev.measure.Sha;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The SEV hashes table QEMU places in guest memory for measured direct boot, so that OVMF can check
 * the kernel, initrd and command line it was given: a GUIDed header followed by three entries
 * {@code {GUID; u16 length; u8 sha256[32]}} in the order command line, initrd, kernel, padded to a
 * multiple of 16 bytes. Its bytes must equal QEMU's exactly, or the measurement differs.
 */
public final class SevHashesTable {

    static final UUID HEADER_GUID = UUID.fromString("9438d606-4f22-4cc9-b479-a793d411fd21");
    static final UUID KERNEL_GUID = UUID.fromString("4de79437-abd2-427f-b835-d5b172d2045b");
    static final UUID INITRD_GUID = UUID.fromString("44baf731-3a2f-4bd7-9af1-41e29169781d");
    static final UUID CMDLINE_GUID = UUID.fromString("97d02dd8-bd20-4c94-aa78-e7714d36ab2a");

    private static final int ENTRY_SIZE = 16 + 2 + 32;
    /** Header GUID and length plus three entries: 168 bytes. */
    public static final int TABLE_SIZE = 16 + 2 + 3 * ENTRY_SIZE;
    /** The table as QEMU writes it, rounded up to 16 bytes: 176. */
    public static final int PADDED_SIZE = (TABLE_SIZE + 15) & ~15;

    private final byte[] kernelHash;
    private final byte[] initrdHash;
    private final byte[] cmdlineHash;

    private SevHashesTable(byte[] kernelHash, byte[] initrdHash, byte[] cmdlineHash) {
        this.kernelHash = kernelHash;
        this.initrdHash = initrdHash;
        this.cmdlineHash = cmdlineHash;
    }

    /**
     * The table for a kernel, an optional initrd (null = none, hashed as empty) and an optional
     * command line (null or empty = none). QEMU hashes the command line with its terminating NUL.
     */
    public static SevHashesTable of(byte[] kernel, byte[] initrd, String cmdline) {
        if (kernel == null) {
            throw new IllegalArgumentException("the SEV hashes table needs a kernel");
        }
        byte[] cmdlineBytes = cmdline == null ? new byte[0] : cmdline.getBytes(StandardCharsets.UTF_8);
        byte[] terminated = new byte[cmdlineBytes.length + 1];
        System.arraycopy(cmdlineBytes, 0, terminated, 0, cmdlineBytes.length);
        return new SevHashesTable(Sha.sha256(kernel), Sha.sha256(initrd == null ? new byte[0] : initrd),
                Sha.sha256(terminated));
    }

    /** The padded table bytes. */
    public byte[] toBytes() {
        ByteBuffer buf = ByteBuffer.allocate(PADDED_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(Guids.toEfiBytes(HEADER_GUID)).putShort((short) TABLE_SIZE);
        putEntry(buf, CMDLINE_GUID, cmdlineHash);
        putEntry(buf, INITRD_GUID, initrdHash);
        putEntry(buf, KERNEL_GUID, kernelHash);
        return buf.array();
    }

    /** A 4 KiB page holding the table at {@code offsetInPage}, zero elsewhere. */
    public byte[] toPage(int offsetInPage) {
        if (offsetInPage < 0 || offsetInPage + PADDED_SIZE > 4096) {
            throw new FirmwareFormatException("SEV hashes table at page offset 0x" + Integer.toHexString(offsetInPage)
                    + " does not fit in the page");
        }
        byte[] page = new byte[4096];
        System.arraycopy(toBytes(), 0, page, offsetInPage, PADDED_SIZE);
        return page;
    }

    private static void putEntry(ByteBuffer buf, UUID guid, byte[] hash) {
        buf.put(Guids.toEfiBytes(guid)).putShort((short) ENTRY_SIZE).put(hash);
    }
}
