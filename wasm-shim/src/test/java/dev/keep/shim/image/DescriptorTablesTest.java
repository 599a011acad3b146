package dev.keep.shim.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.image.ImageDecoder.Descriptor;
import dev.keep.shim.image.ImageDecoder.Gate;
import dev.keep.shim.image.ImageDecoder.Translation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DescriptorTablesTest {
    private static KeepImage image;
    private static ImageDecoder decoder;

    @BeforeAll
    static void build() {
        image = TestImages.typical().build();
        decoder = new ImageDecoder(image);
    }

    @Test
    void gdtHasTheLinuxLayout() {
        EntryState e = image.entryState();
        assertEquals(KeepLayout.GDT_ADDRESS, e.gdtr().base());
        assertEquals(0x4F, e.gdtr().limit());
        assertEquals(0, image.readLong(KeepLayout.GDT_ADDRESS), "null descriptor");
        assertEquals(0, image.readLong(KeepLayout.GDT_ADDRESS + 0x08), "0x08 unused");
        assertEquals(0, image.readLong(KeepLayout.GDT_ADDRESS + 0x38), "0x38 unused");

        Descriptor kcs = decoder.descriptor(0x10);
        assertCode(kcs, 0, true);
        Descriptor kds = decoder.descriptor(0x18);
        assertData(kds, 0);
        Descriptor ucs32 = decoder.descriptor(0x23);
        assertCode(ucs32, 3, false);
        assertTrue(ucs32.defaultBig(), "0x23 is a 32-bit code segment");
        assertData(decoder.descriptor(0x2B), 3);
        assertCode(decoder.descriptor(0x33), 3, true);
    }

    private static void assertCode(Descriptor d, int dpl, boolean longMode) {
        assertTrue(d.present() && d.codeOrData());
        assertEquals(0xB, d.type(), "execute/read, accessed");
        assertEquals(dpl, d.dpl());
        assertEquals(longMode, d.longMode());
        if (longMode) {
            assertFalse(d.defaultBig(), "L and D must not both be set");
        }
        assertEquals(0, d.base());
        assertEquals(0xFFFFF, d.limit());
        assertTrue(d.granularity());
    }

    private static void assertData(Descriptor d, int dpl) {
        assertTrue(d.present() && d.codeOrData());
        assertEquals(0x3, d.type(), "read/write, accessed");
        assertEquals(dpl, d.dpl());
        assertEquals(0, d.base());
        assertEquals(0xFFFFF, d.limit());
    }

    @Test
    void tssDescriptorIsASixteenByteSystemDescriptor() {
        Descriptor tss = decoder.systemDescriptor(0x40);
        assertTrue(tss.present());
        assertFalse(tss.codeOrData(), "system descriptor");
        assertEquals(0xB, tss.type(), "busy 64-bit TSS");
        assertEquals(0, tss.dpl());
        assertEquals(KeepLayout.TSS_ADDRESS, tss.base());
        assertEquals(0x68 + 8192, tss.limit());
        EntryState e = image.entryState();
        assertEquals(0x40, e.tr().selector());
        assertEquals(tss.base(), e.tr().base());
        assertEquals(tss.limit(), e.tr().limit());
        assertEquals(11, e.tr().type());
        assertFalse(e.tr().s());
    }

    @Test
    void idtGatesAreInterruptGatesIntoTheStubs() {
        EntryState e = image.entryState();
        assertEquals(KeepLayout.IDT_ADDRESS, e.idtr().base());
        assertEquals(32 * 16 - 1, e.idtr().limit());
        long[] entries = image.ring0StubEntries();
        List<Long> targets = new ArrayList<>();
        for (int vector = 0; vector < 32; vector++) {
            Gate g = decoder.gate(vector);
            String what = "vector " + vector;
            assertTrue(g.present(), what);
            assertEquals(0xE, g.type(), what + ": 64-bit interrupt gate");
            assertEquals(0x10, g.selector(), what + ": kernel CS");
            assertEquals(vector == 3 || vector == 4 ? 3 : 0, g.dpl(), what + " DPL");
            assertEquals(vector == 8 || vector == 18 ? 1 : 0, g.ist(), what + " IST");
            assertTrue(g.target() >= KeepLayout.STUBS_ADDRESS
                    && g.target() < KeepLayout.STUBS_ADDRESS + image.ring0StubsLength(),
                    what + " target in stub code");
            assertEquals(entries[vector], g.target(), what);
            Translation t = decoder.walk(g.target());
            assertTrue(t.present() && t.executable() && !t.user() && !t.writable(),
                    what + ": target on a supervisor read-execute page");
            assertFalse(targets.contains(g.target()), what + ": own stub");
            targets.add(g.target());
        }
    }

    @Test
    void tssStacksAreSupervisorWritableAndGuarded() {
        long tss = KeepLayout.TSS_ADDRESS;
        assertEquals(KeepLayout.RING0_STACK_TOP, image.readLong(tss + 4), "RSP0");
        assertEquals(KeepLayout.IST1_STACK_TOP, image.readLong(tss + 0x24), "IST1");
        assertEquals(0, KeepLayout.RING0_STACK_TOP % 16);
        assertEquals(0, KeepLayout.IST1_STACK_TOP % 16);
        for (long top : new long[] {KeepLayout.RING0_STACK_TOP, KeepLayout.IST1_STACK_TOP}) {
            // The CPU pushes up to 6 qwords; the stub pushes 2 more.
            for (int slot = 1; slot <= 8; slot++) {
                Translation t = decoder.walk(top - 8L * slot);
                assertTrue(t.present() && t.writable() && !t.user() && !t.executable());
            }
        }
    }

    @Test
    void ioBitmapAllowsExactlyTheBytesOfTheRequestDoorbell() {
        long tss = KeepLayout.TSS_ADDRESS;
        assertEquals(0x68, (int) (image.readLong(tss + 0x60) >>> 48) & 0xFFFF, "IOPB base");
        List<Integer> allowed = new ArrayList<>();
        for (int port = 0; port < 65536; port++) {
            if (decoder.portAllowed(port)) {
                allowed.add(port);
            }
        }
        // out 0xE0, eax touches ports 0xE0-0xE3; the CPU checks the bit of each (a 32-bit access to
        // a port whose neighbours are closed raises #GP at CPL3).
        assertEquals(List.of(0xE0, 0xE1, 0xE2, 0xE3), allowed);
        assertEquals(List.copyOf(HostcallAbi.requestDoorbellPorts()), allowed);
        assertFalse(decoder.portAllowed(HostcallAbi.FAULT_DOORBELL_PORT),
                "ring 3 must not forge fault reports");
        assertArrayEquals(new byte[] {(byte) 0xFF}, image.read(tss + 0x68 + 8192, 1),
                "final byte of the bitmap");
        assertEquals(0x68 + 8192, image.entryState().tr().limit(), "limit covers the final byte");
    }

    @Test
    void faultRecordStartsZeroed() {
        assertArrayEquals(new byte[HostcallAbi.FAULT_RECORD_SIZE],
                image.read(HostcallAbi.FAULT_RECORD_ADDRESS, HostcallAbi.FAULT_RECORD_SIZE));
    }
}
