package dev.keep.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Host memory for guests: alignment, huge-page advice, prefaulting, ownership. */
class GuestMemoryTest {

    private static final long MIB = 1L << 20;

    /** The smaps block (header line plus fields) of the mapping that starts at address. */
    private static List<String> smaps(long address) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        String start = Long.toHexString(address) + "-";
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(start)) {
                int end = i + 1;
                while (end < lines.size() && !lines.get(end).matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
                    end++;
                }
                return lines.subList(i, end);
            }
        }
        return List.of();
    }

    private static long kilobytes(List<String> smaps, String field) {
        return smaps.stream().filter(l -> l.startsWith(field + ":"))
                .map(l -> l.replaceAll("[^0-9]", ""))
                .mapToLong(Long::parseLong).findFirst()
                .orElseThrow(() -> new AssertionError("no " + field + " in " + smaps));
    }

    private static boolean thpAllowed() throws IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        return Files.exists(mode) && !Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled"))
                .contains("[never]");
    }

    @Test
    void hugePageMemoryIsAlignedAdvisedAndPrefaulted() throws Exception {
        try (GuestMemory memory = GuestMemory.allocate(8 * MIB, GuestMemory.Options.KEEP)) {
            assertEquals(8 * MIB, memory.size());
            assertEquals(0, memory.hostAddress() % GuestMemory.HUGE_PAGE_SIZE, "2 MiB aligned");
            List<String> smaps = smaps(memory.hostAddress());
            assertEquals(8 * MIB / 1024, kilobytes(smaps, "Size"), "exactly the asked size");
            // Prefaulted: every page resident before the guest touches any.
            assertEquals(8 * MIB / 1024, kilobytes(smaps, "Rss"));
            if (Files.exists(Path.of("/sys/kernel/mm/transparent_hugepage"))) {
                assertTrue(memory.hugePagesAdvised(), "THP is built in, so madvise must work");
            }
            if (thpAllowed()) {
                assertEquals(1, kilobytes(smaps, "THPeligible"), String.join("\n", smaps));
            }
        }
    }

    @Test
    void plainMemoryIsLazy() throws Exception {
        try (GuestMemory memory = GuestMemory.allocate(4 * MIB, GuestMemory.Options.PLAIN)) {
            assertFalse(memory.hugePagesAdvised());
            assertEquals(0, kilobytes(smaps(memory.hostAddress()), "Rss"));
            memory.write(4096 * 3 + 10, new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {0, 1, 2, 3, 0}, memory.read(4096 * 3 + 9, 5));
            long rss = kilobytes(smaps(memory.hostAddress()), "Rss");
            // One 4 KiB page, or one 2 MiB page if the host's THP mode is "always".
            assertTrue(rss == 4 || rss == 2048, "Rss " + rss + " kB after touching one page");
        }
    }

    @Test
    void closeUnmapsAndInvalidatesTheSegment() throws Exception {
        GuestMemory memory = GuestMemory.allocate(64 * 1024, GuestMemory.Options.PLAIN);
        long address = memory.hostAddress();
        var segment = memory.segment();
        segment.set(ValueLayout.JAVA_INT, 0, 42);
        memory.close();
        memory.close(); // idempotent
        assertEquals("", LibcTest.mappingLine(address));
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_INT, 0));
    }

    @Test
    void registeredMemoryCannotBeClosed() throws Exception {
        try (GuestMemory memory = GuestMemory.allocate(64 * 1024, GuestMemory.Options.PLAIN)) {
            memory.registered();
            IllegalStateException e = assertThrows(IllegalStateException.class, memory::close);
            assertEquals("guest memory is still registered with a VM; close the VM first",
                    e.getMessage());
            memory.unregistered();
        }
    }

    @Test
    void sizeMustBeWholePages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GuestMemory.allocate(4097, GuestMemory.Options.PLAIN));
        assertEquals("guest memory size must be a positive multiple of 4096, got 4097",
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> GuestMemory.allocate(0, GuestMemory.Options.PLAIN));
    }

    @Test
    void manyAllocationsLeaveNoMappingsBehind() throws Exception {
        long before = Files.readAllLines(Path.of("/proc/self/maps")).size();
        for (int i = 0; i < 100; i++) {
            try (GuestMemory memory = GuestMemory.allocate(4 * MIB, GuestMemory.Options.KEEP)) {
                memory.segment().set(ValueLayout.JAVA_BYTE, 0, (byte) i);
            }
        }
        long after = Files.readAllLines(Path.of("/proc/self/maps")).size();
        // The JVM maps a little on its own (code cache, metaspace); 100 leaks would be obvious.
        assertTrue(after - before < 20, "maps grew from " + before + " to " + after);
    }
}
