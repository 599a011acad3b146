package dev.keep.shim.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepLayout;
import dev.keep.shim.image.PageRole;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The store keep's image and the host's view of its memory (the calls themselves: keep-loader's KvmStoreTest). */
class StoreKeepTest {

    @Test
    void theImageIsTheSameEveryTimeWithItsArenasMapped() {
        StoreKeep one = StoreKeep.create();
        StoreKeep two = StoreKeep.create();
        assertArrayEquals(one.image().digest(), two.image().digest());
        KeepImage image = one.image();
        assertTrue(image.pageMap().region(PageRole.RUNTIME_CODE).size() >= StoreKeep.CODE_BYTES);
        assertTrue(image.pageMap().region(PageRole.DATA).size() >= StoreKeep.DATA_BYTES);
        assertEquals(StoreKeep.LARGE_BYTES, image.pageMap().region(PageRole.LINEAR_MEMORY).size());
        assertTrue(one.codeStart() > KeepLayout.USER_CODE_ADDRESS && one.codeStart() < one.codeEnd());
        assertTrue(one.runtimeRecord() >= KeepLayout.USER_DATA_ADDRESS && one.dataStart() < one.dataEnd());
        assertEquals(KeepLayout.LINEAR_MEMORY_ADDRESS, one.largeStart());
        assertTrue(one.wasiFunctions().containsKey("fd_write") && one.wasiFunctions().containsKey("proc_exit"));
    }

    @Test
    void anSnpKeepHasNoRoomForCodeWrittenAfterLaunch() {
        var builder = KeepImage.builder().code(new byte[] {(byte) 0xC3}, 0).codeCapacity(1 << 20).snp(51);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, builder::build);
        assertEquals("an SEV-SNP keep has no room for code written after launch", e.getMessage());
    }

    @Test
    void theGuestViewTranslatesUserAddressesAndRefusesEverythingElse() {
        // A small keep of the same layout: the store keep's 4 GiB would have to be allocated here.
        KeepImage image = KeepImage.builder().code(new byte[] {(byte) 0xC3}, 0).codeCapacity(1 << 20)
                .data(new byte[16], 1 << 16).linearMemory(1 << 16).build();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment physical = arena.allocate(image.memorySize(), 4096);
            GuestView guest = new GuestView(physical, image);
            long at = KeepLayout.USER_DATA_ADDRESS + 64;
            guest.putLong(at, 0x1122_3344_5566_7788L);
            assertEquals(0x1122_3344_5566_7788L, guest.getLong(at));
            long gpa = image.pageMap().region(PageRole.DATA).physicalAddress() + 64;
            assertEquals(0x1122_3344_5566_7788L, physical.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, gpa));
            guest.put(KeepLayout.LINEAR_MEMORY_ADDRESS + 65532, new byte[] {1, 2, 3, 4});
            assertArrayEquals(new byte[] {1, 2, 3, 4}, guest.get(KeepLayout.LINEAR_MEMORY_ADDRESS + 65532, 4));
            assertThrows(IllegalArgumentException.class, () -> guest.getLong(KeepLayout.FAULT_RECORD_ADDRESS));
            assertThrows(IllegalArgumentException.class, () -> guest.getLong(0));
            assertThrows(IllegalArgumentException.class, () -> guest.getLong(KeepLayout.LINEAR_MEMORY_ADDRESS + 65532));
            assertThrows(IllegalArgumentException.class, () -> guest.get(KeepLayout.USER_CODE_ADDRESS, -1));
            assertThrows(IllegalArgumentException.class, () -> new GuestView(physical.asSlice(0, 4096), image));
        }
    }
}
