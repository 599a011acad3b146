package dev.keep.shim.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.shim.image.ImageDecoder.Leaf;
import dev.keep.shim.image.ImageDecoder.Translation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PageTableTest {
    private static KeepImage image;
    private static ImageDecoder decoder;

    @BeforeAll
    static void build() {
        image = TestImages.typical().build();
        decoder = new ImageDecoder(image);
    }

    private static void assertAccess(String what, Translation t, Access access) {
        assertTrue(t.present(), what + " must be mapped");
        assertEquals(access.user(), t.user(), what + " user bit");
        assertEquals(access.writable(), t.writable(), what + " writable bit");
        assertEquals(access.executable(), t.executable(), what + " executable (NX clear)");
    }

    @Test
    void everyPageOfEveryMappedRegionHasItsAccessAndPhysicalAddress() {
        int checked = 0;
        for (VirtualRegion region : image.pageMap().virtualRegions()) {
            if (!region.mapped()) {
                continue;
            }
            for (long off = 0; off < region.size(); off += KeepLayout.PAGE_SIZE) {
                Translation t = decoder.walk(region.address() + off + 123);
                String what = region.role() + String.format(" page %#x", region.address() + off);
                assertAccess(what, t, region.access());
                assertEquals(region.physicalAddress() + off + 123, t.physical(), what);
                assertEquals(region.role(), image.pageMap().roleOf(t.physical()), what);
                checked++;
            }
        }
        assertTrue(checked > 1000, "walked " + checked + " pages");
    }

    @Test
    void unmappedRegionsFaultEverywhere() {
        int checked = 0;
        for (VirtualRegion region : image.pageMap().virtualRegions()) {
            if (region.mapped()) {
                continue;
            }
            long step = Math.max(KeepLayout.PAGE_SIZE, region.size() / 4096) & -KeepLayout.PAGE_SIZE;
            for (long off = 0; off < region.size(); off += step) {
                assertFalse(decoder.walk(region.address() + off).present(),
                        region.role() + String.format(" at %#x", region.address() + off));
                checked++;
            }
            assertFalse(decoder.walk(region.end() - 1).present(), region + " last byte");
        }
        assertTrue(checked > 4096);
    }

    @Test
    void nothingIsMappedOutsideTheListedRegions() {
        List<Leaf> leaves = decoder.leaves();
        for (Leaf leaf : leaves) {
            VirtualRegion owner = null;
            for (VirtualRegion region : image.pageMap().virtualRegions()) {
                if (region.contains(leaf.virtualAddress())) {
                    owner = region;
                }
            }
            String what = String.format("leaf %#x", leaf.virtualAddress());
            assertTrue(owner != null && owner.mapped(), what + " lies in no mapped region");
            assertTrue(leaf.virtualAddress() + leaf.size() <= owner.end(), what + " overruns");
            assertEquals(owner.physicalAddress() + leaf.virtualAddress() - owner.address(),
                    leaf.physical(), what);
            assertEquals(owner.access().user(), leaf.user(), what);
            assertEquals(owner.access().writable(), leaf.writable(), what);
            assertEquals(owner.access().executable(), leaf.executable(), what);
        }
        long mappedBytes = leaves.stream().mapToLong(Leaf::size).sum();
        long listedBytes = image.pageMap().virtualRegions().stream()
                .filter(VirtualRegion::mapped).mapToLong(VirtualRegion::size).sum();
        assertEquals(listedBytes, mappedBytes, "every listed byte mapped exactly once");
    }

    @Test
    void twoMegabytePagesWherePossibleAndFourKilobytePagesForTails() {
        VirtualRegion code = image.pageMap().region(PageRole.RUNTIME_CODE);
        assertEquals(KeepLayout.HUGE_PAGE_SIZE, decoder.walk(code.address()).pageSize());
        assertEquals(KeepLayout.PAGE_SIZE,
                decoder.walk(code.address() + KeepLayout.HUGE_PAGE_SIZE).pageSize());
        VirtualRegion linear = image.pageMap().region(PageRole.LINEAR_MEMORY);
        assertEquals(KeepLayout.HUGE_PAGE_SIZE, decoder.walk(linear.address()).pageSize());
        assertEquals(KeepLayout.HUGE_PAGE_SIZE,
                decoder.walk(linear.address() + KeepLayout.HUGE_PAGE_SIZE).pageSize());
        assertEquals(KeepLayout.PAGE_SIZE,
                decoder.walk(linear.address() + 2 * KeepLayout.HUGE_PAGE_SIZE).pageSize());
        // Regions smaller than 2 MiB never get a large page.
        assertEquals(KeepLayout.PAGE_SIZE,
                decoder.walk(image.pageMap().region(PageRole.DATA).address()).pageSize());
        long hugeLeaves = decoder.leaves().stream()
                .filter(l -> l.size() == KeepLayout.HUGE_PAGE_SIZE).count();
        assertEquals(3, hugeLeaves);
    }

    @Test
    void ringZeroStructuresAreSupervisorOnlyAndPayloadRegionsAreUser() {
        assertAccess("page tables", decoder.walk(KeepLayout.PAGE_TABLES_ADDRESS),
                Access.SUPERVISOR_READ);
        assertAccess("GDT", decoder.walk(KeepLayout.GDT_ADDRESS), Access.SUPERVISOR_READ_WRITE);
        assertAccess("IDT", decoder.walk(KeepLayout.IDT_ADDRESS), Access.SUPERVISOR_READ);
        assertAccess("TSS", decoder.walk(KeepLayout.TSS_ADDRESS + 0x2068),
                Access.SUPERVISOR_READ_WRITE);
        assertAccess("fault record", decoder.walk(KeepLayout.FAULT_RECORD_ADDRESS),
                Access.SUPERVISOR_READ_WRITE);
        assertAccess("stubs", decoder.walk(KeepLayout.STUBS_ADDRESS),
                Access.SUPERVISOR_READ_EXECUTE);
        assertAccess("ring-0 stack", decoder.walk(KeepLayout.RING0_STACK_TOP - 8),
                Access.SUPERVISOR_READ_WRITE);
        assertAccess("IST1 stack", decoder.walk(KeepLayout.IST1_STACK_TOP - 8),
                Access.SUPERVISOR_READ_WRITE);
        assertAccess("mailbox", decoder.walk(KeepLayout.MAILBOX_ADDRESS + KeepLayout.MAILBOX_SIZE - 1),
                Access.USER_READ_WRITE);
        assertAccess("code", decoder.walk(KeepLayout.USER_CODE_ADDRESS), Access.USER_READ_EXECUTE);
        assertAccess("data", decoder.walk(KeepLayout.USER_DATA_ADDRESS), Access.USER_READ_WRITE);
        assertAccess("stack", decoder.walk(KeepLayout.USER_STACK_TOP - 8), Access.USER_READ_WRITE);
        assertAccess("linear memory", decoder.walk(KeepLayout.LINEAR_MEMORY_ADDRESS),
                Access.USER_READ_WRITE);
        assertTrue(image.pageMap().region(PageRole.MAILBOX).role().shared());
        assertFalse(PageRole.FAULT_RECORD.shared());
    }

    @Test
    void guardsSurroundTheStacksAndTheLinearMemoryReservation() {
        assertFalse(decoder.walk(0).present(), "null page");
        assertFalse(decoder.walk(KeepLayout.RING0_STACK_ADDRESS - 1).present());
        assertFalse(decoder.walk(KeepLayout.RING0_STACK_TOP).present());
        assertFalse(decoder.walk(KeepLayout.IST1_STACK_ADDRESS - 1).present());
        assertFalse(decoder.walk(KeepLayout.IST1_STACK_TOP).present());
        VirtualRegion stack = image.pageMap().region(PageRole.STACK);
        assertEquals(KeepLayout.USER_STACK_TOP, stack.end());
        assertEquals(64 * 1024, stack.size());
        for (long below = 1; below <= KeepLayout.USER_STACK_GUARD_SIZE; below += 4096) {
            assertFalse(decoder.walk(stack.address() - below).present(), "stack guard");
        }
        assertFalse(decoder.walk(KeepLayout.USER_STACK_TOP).present(), "above the stack top");
        long linear = KeepLayout.LINEAR_MEMORY_ADDRESS;
        long committed = image.pageMap().region(PageRole.LINEAR_MEMORY).size();
        assertTrue(decoder.walk(linear + committed - 1).present());
        assertFalse(decoder.walk(linear + committed).present(), "first uncommitted byte");
        assertFalse(decoder.walk(linear - 1).present(), "below linear memory");
        assertFalse(decoder.walk(linear - KeepLayout.LINEAR_MEMORY_GUARD_BELOW).present());
        // The furthest a wasm32 access can reach: base + 0xffffffff + 0xffffffff.
        assertFalse(decoder.walk(linear + 0xFFFF_FFFFL + 0xFFFF_FFFFL).present());
        assertFalse(decoder.walk(linear + 0xFFFF_FFFFL).present());
    }

    @Test
    void allPageTablesLieInThePageTableAreaAndAreCountedInThePageMap() {
        Set<Long> seen = new HashSet<>();
        for (long table : decoder.tablePages()) {
            assertTrue(seen.add(table), "table shared between two parents");
            assertEquals(PageRole.PAGE_TABLES, image.pageMap().roleOf(table));
        }
        assertEquals(KeepLayout.PAGE_TABLES_ADDRESS, image.entryState().cr3());
    }

    @Test
    void physicalMapCoversMemoryAndMatchesTheImageContents() {
        PageMap map = image.pageMap();
        assertEquals(0, map.memorySize() % KeepLayout.HUGE_PAGE_SIZE);
        assertEquals(PageRole.UNUSED, map.roleOf(0));
        assertEquals(PageRole.GDT, map.roleOf(KeepLayout.GDT_ADDRESS));
        // Initial data and the linear-memory data segment are where the tables say.
        Translation data = decoder.walk(KeepLayout.USER_DATA_ADDRESS);
        assertEquals(4, image.read(data.physical(), 5)[3]);
        assertEquals(0, image.read(data.physical(), 5)[4]);
        Translation hello = decoder.walk(KeepLayout.LINEAR_MEMORY_ADDRESS + 1024);
        assertEquals("hello", new String(image.read(hello.physical(), 5),
                java.nio.charset.StandardCharsets.US_ASCII));
        Translation entry = decoder.walk(image.entryState().rip());
        byte[] expected = TestImages.exitProgram(0);
        assertEquals(java.util.HexFormat.of().formatHex(expected),
                java.util.HexFormat.of().formatHex(image.read(entry.physical(), expected.length)));
    }
}
