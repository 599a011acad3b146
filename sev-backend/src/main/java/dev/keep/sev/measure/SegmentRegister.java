package dev.keep.sev.measure;

/**
 * The segment and descriptor-table registers of the VMSA save area, each a 16-byte VMCB segment
 * {@code {u16 selector; u16 attrib; u32 limit; u64 base}} at the given offset (AMD APM vol. 2,
 * table B-4; Linux {@code struct sev_es_save_area}).
 */
public enum SegmentRegister {
    ES(0x00), CS(0x10), SS(0x20), DS(0x30), FS(0x40), GS(0x50),
    GDTR(0x60), LDTR(0x70), IDTR(0x80), TR(0x90);

    public static final int SIZE = 16;

    private final int offset;

    SegmentRegister(int offset) {
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }
}
