package dev.keep.sev.measure.ovmf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A firmware image (OVMF, or a Coconut SVSM binary, which uses the same conventions) mapped so that
 * it ends at a given guest-physical address, with its GUIDed footer table and SEV metadata parsed.
 *
 * <p>The footer table ends 32 bytes before the end of the image; it is a chain of entries read
 * backwards, each {@code data ‖ u16 size ‖ GUID} where size counts data, size field and GUID. The
 * table itself is the entry with {@link #FOOTER_TABLE_GUID}. An image without that footer simply has
 * an empty table.
 */
public final class OvmfImage {

    public static final long FOUR_GIB = 0x1_0000_0000L;

    public static final UUID FOOTER_TABLE_GUID = UUID.fromString("96b582de-1fb2-45f7-baea-a366c55a082d");
    public static final UUID SEV_HASH_TABLE_GUID = UUID.fromString("7255371f-3a3b-4b04-927b-1da6efa8d454");
    public static final UUID SEV_ES_RESET_BLOCK_GUID = UUID.fromString("00f771de-1a7e-4fcb-890e-68c77e2fb44e");
    public static final UUID SEV_METADATA_GUID = UUID.fromString("dc886566-984a-4798-a75e-5585a7bf67cc");
    public static final UUID SVSM_INFO_GUID = UUID.fromString("a789a612-0597-4c4b-a49f-cbb1fe9d1ddd");

    private static final int ENTRY_HEADER_SIZE = 2 + 16;
    private static final int FOOTER_GAP = 32;
    private static final int METADATA_HEADER_SIZE = 16;
    private static final int METADATA_ITEM_SIZE = 12;

    private final byte[] data;
    private final long gpa;
    private final Map<UUID, byte[]> table;
    private final List<MetadataSection> sections;

    private OvmfImage(byte[] data, long endGpa) {
        if (data == null || data.length == 0) {
            throw new FirmwareFormatException("firmware image is empty");
        }
        if (data.length % 4096 != 0) {
            throw new FirmwareFormatException("firmware image size " + data.length + " is not a multiple of 4096");
        }
        if (endGpa < data.length || (endGpa & 0xFFF) != 0) {
            throw new FirmwareFormatException("firmware cannot end at GPA 0x" + Long.toHexString(endGpa));
        }
        this.data = data.clone();
        this.gpa = endGpa - data.length;
        this.table = Collections.unmodifiableMap(parseFooterTable(this.data));
        this.sections = List.copyOf(parseMetadata(this.data, table));
    }

    /** An image mapped, as QEMU maps OVMF, so that its last byte is just below 4 GiB. */
    public static OvmfImage endingAtFourGiB(byte[] data) {
        return new OvmfImage(data, FOUR_GIB);
    }

    public static OvmfImage endingAt(byte[] data, long endGpa) {
        return new OvmfImage(data, endGpa);
    }

    public byte[] data() {
        return data.clone();
    }

    public int size() {
        return data.length;
    }

    /** GPA of the image's first byte. */
    public long gpa() {
        return gpa;
    }

    public Optional<byte[]> tableEntry(UUID guid) {
        return Optional.ofNullable(table.get(guid)).map(byte[]::clone);
    }

    public List<MetadataSection> metadataSections() {
        return sections;
    }

    public boolean hasSection(SectionType type) {
        return sections.stream().anyMatch(s -> s.type() == type);
    }

    /** Whether the image can verify a kernel, initrd and command line through the SEV hashes table. */
    public boolean supportsSevHashesTable() {
        return table.containsKey(SEV_HASH_TABLE_GUID) && sevHashesTableGpa() != 0;
    }

    public long sevHashesTableGpa() {
        return firstU32(SEV_HASH_TABLE_GUID, "SEV hashes table");
    }

    /** The real-mode entry point of the application processors (SEV-ES reset block). */
    public long sevEsResetEip() {
        return firstU32(SEV_ES_RESET_BLOCK_GUID, "SEV-ES reset block");
    }

    /** The SVSM entry point: the SVSM info entry holds an offset from the image's start. */
    public long svsmEntryEip() {
        return gpa + firstU32(SVSM_INFO_GUID, "SVSM info");
    }

    private long firstU32(UUID guid, String what) {
        byte[] entry = table.get(guid);
        if (entry == null) {
            throw new FirmwareFormatException("firmware footer table has no " + what + " entry (" + guid + ")");
        }
        if (entry.length < 4) {
            throw new FirmwareFormatException("firmware " + what + " entry is shorter than 4 bytes");
        }
        return ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xFFFF_FFFFL;
    }

    private static Map<UUID, byte[]> parseFooterTable(byte[] data) {
        Map<UUID, byte[]> entries = new LinkedHashMap<>();
        int footerStart = data.length - FOOTER_GAP - ENTRY_HEADER_SIZE;
        if (footerStart < 0 || !FOOTER_TABLE_GUID.equals(Guids.fromEfiBytes(data, footerStart + 2))) {
            return entries;
        }
        int tableSize = u16(data, footerStart) - ENTRY_HEADER_SIZE;
        if (tableSize < 0) {
            return entries;
        }
        int tableStart = footerStart - tableSize;
        if (tableStart < 0) {
            throw new FirmwareFormatException("firmware footer table claims " + tableSize
                    + " bytes, more than the image holds");
        }
        int end = footerStart;
        while (end - tableStart >= ENTRY_HEADER_SIZE) {
            int header = end - ENTRY_HEADER_SIZE;
            int entrySize = u16(data, header);
            if (entrySize < ENTRY_HEADER_SIZE || entrySize > end - tableStart) {
                throw new FirmwareFormatException("firmware footer table entry has invalid size " + entrySize);
            }
            UUID guid = Guids.fromEfiBytes(data, header + 2);
            byte[] value = new byte[entrySize - ENTRY_HEADER_SIZE];
            System.arraycopy(data, end - entrySize, value, 0, value.length);
            entries.put(guid, value);
            end -= entrySize;
        }
        return entries;
    }

    private static List<MetadataSection> parseMetadata(byte[] data, Map<UUID, byte[]> table) {
        List<MetadataSection> items = new ArrayList<>();
        byte[] pointer = table.get(SEV_METADATA_GUID);
        if (pointer == null) {
            return items;
        }
        if (pointer.length < 4) {
            throw new FirmwareFormatException("SEV metadata pointer entry is shorter than 4 bytes");
        }
        long offsetFromEnd = ByteBuffer.wrap(pointer).order(ByteOrder.LITTLE_ENDIAN).getInt(0) & 0xFFFF_FFFFL;
        long start = data.length - offsetFromEnd;
        if (offsetFromEnd > data.length || start + METADATA_HEADER_SIZE > data.length) {
            throw new FirmwareFormatException("SEV metadata offset 0x" + Long.toHexString(offsetFromEnd)
                    + " points outside the image");
        }
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int at = (int) start;
        if (data[at] != 'A' || data[at + 1] != 'S' || data[at + 2] != 'E' || data[at + 3] != 'V') {
            throw new FirmwareFormatException("SEV metadata does not start with the signature ASEV");
        }
        long version = buf.getInt(at + 8) & 0xFFFF_FFFFL;
        if (version != 1) {
            throw new FirmwareFormatException("SEV metadata version " + version + " is not supported (expected 1)");
        }
        long count = buf.getInt(at + 12) & 0xFFFF_FFFFL;
        if (at + METADATA_HEADER_SIZE + count * METADATA_ITEM_SIZE > data.length) {
            throw new FirmwareFormatException("SEV metadata lists " + count + " sections, more than the image holds");
        }
        for (int i = 0; i < count; i++) {
            int item = at + METADATA_HEADER_SIZE + i * METADATA_ITEM_SIZE;
            long sectionGpa = buf.getInt(item) & 0xFFFF_FFFFL;
            long sectionSize = buf.getInt(item + 4) & 0xFFFF_FFFFL;
            SectionType type = SectionType.fromCode(buf.getInt(item + 8) & 0xFFFF_FFFFL);
            items.add(new MetadataSection(sectionGpa, sectionSize, type));
        }
        return items;
    }

    private static int u16(byte[] data, int at) {
        return (data[at] & 0xFF) | (data[at + 1] & 0xFF) << 8;
    }
}
