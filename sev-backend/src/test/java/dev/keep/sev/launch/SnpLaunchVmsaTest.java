package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keep.shim.image.EntryState;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * vCPU 0's VMSA, read back at the raw offsets of the VMSA save area (AMD APM vol. 2 table B-4) and
 * compared with the image's entry state and KVM's rules (sev-snp.md §4.3).
 */
class SnpLaunchVmsaTest {
    private final KeepImage image = LaunchTestImages.linked("app.wasm", "a");
    private final EntryState entry = image.entryState();
    private final ByteBuffer vmsa = ByteBuffer.wrap(
            SnpLaunchPlan.of(image, SnpLaunchOptions.defaults()).vmsa().bytes()).order(ByteOrder.LITTLE_ENDIAN);

    @Test
    void segmentsCarryTheEntryStateInVmcbAttributeFormat() {
        // 64-bit user code: type 0xB, S, DPL 3, P, L, G.
        assertSegment(0x10, 0x33, 0xAFB, 0xFFFF_FFFFL, 0);
        // User data (SS, DS, ES): type 3, S, DPL 3, P, DB, G.
        assertSegment(0x20, 0x2B, 0xCF3, 0xFFFF_FFFFL, 0);
        assertSegment(0x30, 0x2B, 0xCF3, 0xFFFF_FFFFL, 0);
        assertSegment(0x00, 0x2B, 0xCF3, 0xFFFF_FFFFL, 0);
        // FS, GS and LDTR are null and unusable: everything 0.
        assertSegment(0x40, 0, 0, 0, 0);
        assertSegment(0x50, 0, 0, 0, 0);
        assertSegment(0x70, 0, 0, 0, 0);
        // TR: busy 64-bit TSS (type 0xB), present, system segment.
        assertSegment(0x90, entry.tr().selector(), 0x8B, entry.tr().limit() & 0xFFFF_FFFFL, entry.tr().base());
        assertSegment(0x60, 0, 0, entry.gdtr().limit(), entry.gdtr().base());
        assertSegment(0x80, 0, 0, entry.idtr().limit(), entry.idtr().base());
        assertEquals(0x40, entry.tr().selector());
    }

    @Test
    void controlRegistersAndEntryPointFollowTheEntryState() {
        assertEquals(3, vmsa.get(0xCB), "CPL from SS.DPL");
        assertEquals(entry.efer() | 0x1000, vmsa.getLong(0xD0), "EFER with SVME");
        assertEquals(entry.cr4() | 0x40, vmsa.getLong(0x148), "CR4 with the host's MCE");
        assertEquals(entry.cr3(), vmsa.getLong(0x150));
        assertEquals(entry.cr0(), vmsa.getLong(0x158));
        assertEquals(0x400, vmsa.getLong(0x160), "DR7");
        assertEquals(0xFFFF_0FF0L, vmsa.getLong(0x168), "DR6");
        assertEquals(0x202, vmsa.getLong(0x170), "RFLAGS");
        assertEquals(entry.rflags(), vmsa.getLong(0x170));
        assertEquals(entry.rip(), vmsa.getLong(0x178));
        assertEquals(entry.rsp(), vmsa.getLong(0x1D8));
        assertEquals(0x0007_0406_0007_0406L, vmsa.getLong(0x268), "G_PAT");
        assertEquals(1, vmsa.getLong(0x3B0), "SEV_FEATURES: SNPActive");
        assertEquals(7, vmsa.getLong(0x3E8), "XCR0");
        assertEquals(entry.xcr0(), vmsa.getLong(0x3E8));
        assertEquals(0x1F80, vmsa.getInt(0x408), "MXCSR");
        assertEquals(0x37F, vmsa.getShort(0x410), "x87 FCW");
    }

    @Test
    void everythingElseIsZero() {
        byte[] page = vmsa.array();
        int[][] set = {
            {0x00, 0xA0}, {0xCB, 1}, {0xD0, 8}, {0x148, 0x30}, {0x178, 8}, {0x1D8, 8}, {0x268, 8},
            {0x3B0, 8}, {0x3E8, 8}, {0x408, 4}, {0x410, 2},
        };
        byte[] masked = page.clone();
        for (int[] range : set) {
            java.util.Arrays.fill(masked, range[0], range[0] + range[1], (byte) 0);
        }
        assertArrayEquals(new byte[4096], masked, "a field outside the documented ones is set");
    }

    @Test
    void anSnpImageStartsAtCpl0InItsBootCodeWithTheCBitInCr3() {
        KeepImage snp = LaunchTestImages.snp();
        EntryState boot = snp.entryState();
        ByteBuffer page = ByteBuffer.wrap(SnpLaunchPlan.of(snp, SnpLaunchOptions.defaults()).vmsa().bytes())
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, page.get(0xCB), "CPL from SS.DPL: the boot code runs in ring 0");
        assertEquals(0, boot.ss().dpl());
        // Kernel code 0x10 (type 0xB, S, DPL 0, P, L, G) and kernel data 0x18 (type 3, S, DPL 0, P, DB, G).
        assertEquals(0x10, page.getShort(0x10));
        assertEquals(0xA9B, page.getShort(0x12));
        assertEquals(0x18, page.getShort(0x20));
        assertEquals(0xC93, page.getShort(0x22));
        long cBit = 1L << LaunchTestImages.C_BIT;
        assertEquals(boot.cr3(), page.getLong(0x150));
        assertEquals(cBit | KeepLayout.PAGE_TABLES_ADDRESS, page.getLong(0x150), "CR3: the private PML4, C-bit set");
        assertEquals(snp.snp().orElseThrow().code().boot(), page.getLong(0x178), "RIP: the SNP boot code");
        assertEquals(KeepLayout.RING0_STACK_TOP, page.getLong(0x1D8), "RSP: the ring-0 stack");
        assertEquals(0x2, page.getLong(0x170), "RFLAGS: interrupts off until the iretq to CPL3");
        // The plain image of the same program enters at CPL3 with a CR3 without the C-bit.
        assertEquals(3, vmsa.get(0xCB));
        assertEquals(0, vmsa.getLong(0x150) & cBit);
    }

    @Test
    void sevFeaturesComeFromTheOptions() {
        byte[] page = SnpLaunchPlan.of(image, new SnpLaunchOptions(0x21)).vmsa().bytes();
        assertEquals(0x21, ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN).getLong(0x3B0));
    }

    private void assertSegment(int at, int selector, int attrib, long limit, long base) {
        String where = "segment at 0x" + Integer.toHexString(at);
        assertEquals(selector, vmsa.getShort(at) & 0xFFFF, where + " selector");
        assertEquals(attrib, vmsa.getShort(at + 2) & 0xFFFF, where + " attributes");
        assertEquals(limit, vmsa.getInt(at + 4) & 0xFFFF_FFFFL, where + " limit");
        assertEquals(base, vmsa.getLong(at + 8), where + " base");
    }
}
