package dev.keep.sev.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class VmsaTest {

    @Test
    void fieldOffsetsFollowTheSaveAreaLayout() {
        // Offsets listed in sev-snp.md §4.3 and §5.3 (APM vol. 2 table B-4).
        assertEquals(0xD0, VmsaField.EFER.offset());
        assertEquals(0x148, VmsaField.CR4.offset());
        assertEquals(0x158, VmsaField.CR0.offset());
        assertEquals(0x160, VmsaField.DR7.offset());
        assertEquals(0x168, VmsaField.DR6.offset());
        assertEquals(0x170, VmsaField.RFLAGS.offset());
        assertEquals(0x178, VmsaField.RIP.offset());
        assertEquals(0x1D8, VmsaField.RSP.offset());
        assertEquals(0x1F8, VmsaField.RAX.offset());
        assertEquals(0x268, VmsaField.G_PAT.offset());
        assertEquals(0x308, VmsaField.RCX.offset());
        assertEquals(0x310, VmsaField.RDX.offset());
        assertEquals(0x378, VmsaField.R15.offset());
        assertEquals(0x3B0, VmsaField.SEV_FEATURES.offset());
        assertEquals(0x3E8, VmsaField.XCR0.offset());
        assertEquals(0x408, VmsaField.MXCSR.offset());
        assertEquals(0x410, VmsaField.X87_FCW.offset());
        assertEquals(0x10, SegmentRegister.CS.offset());
        assertEquals(0x60, SegmentRegister.GDTR.offset());
        assertEquals(0x70, SegmentRegister.LDTR.offset());
        assertEquals(0x80, SegmentRegister.IDTR.offset());
        assertEquals(0x90, SegmentRegister.TR.offset());
    }

    @Test
    void fieldsDoNotOverlap() {
        boolean[] used = new boolean[VmsaField.SAVE_AREA_END];
        for (VmsaField field : VmsaField.values()) {
            for (int i = 0; i < field.width(); i++) {
                int at = field.offset() + i;
                assertEquals(false, used[at], field + " overlaps another field at 0x" + Integer.toHexString(at));
                used[at] = true;
            }
            assertEquals(0, field.offset() % field.width(), field + " is not naturally aligned");
        }
        for (int i = 0; i < SegmentRegister.values().length * SegmentRegister.SIZE; i++) {
            assertEquals(false, used[i], "a scalar field overlaps the segment registers");
        }
    }

    @Test
    void valuesAreLittleEndianAndTruncatedToTheirWidth() {
        Vmsa vmsa = new Vmsa()
                .set(VmsaField.RIP, 0x1122334455667788L)
                .set(VmsaField.MXCSR, 0x1_0000_1F80L)
                .set(VmsaField.CPL, 0x103)
                .segment(SegmentRegister.CS, 0xF000, 0x9B, 0xFFFF, 0xFFFF0000L);
        ByteBuffer page = ByteBuffer.wrap(vmsa.toPage()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(4096, page.capacity());
        assertEquals(0x1122334455667788L, page.getLong(0x178));
        assertEquals(0x1F80, page.getInt(0x408));
        assertEquals(0, page.getInt(0x40C));
        assertEquals(0x03, page.get(0xCB));
        assertEquals(0x1F80, vmsa.get(VmsaField.MXCSR));
        assertEquals((short) 0xF000, page.getShort(0x10));
        assertEquals(0x9B, page.getShort(0x12));
        assertEquals(0xFFFF, page.getInt(0x14));
        assertEquals(0xFFFF0000L, page.getLong(0x18));
    }

    @Test
    void rawWritesStayInsideTheSaveArea() {
        Vmsa vmsa = new Vmsa().setBytes(VmsaField.FPREG_XMM_OFFSET, new byte[] {1, 2});
        assertEquals(2, vmsa.toPage()[VmsaField.FPREG_XMM_OFFSET + 1]);
        assertThrows(IllegalArgumentException.class, () -> vmsa.setBytes(0x660, new byte[17]));
        assertThrows(IllegalArgumentException.class, () -> vmsa.setBytes(-1, new byte[1]));
    }
}
