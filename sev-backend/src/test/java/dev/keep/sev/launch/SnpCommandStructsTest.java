package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keep.sev.measure.PageType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The bytes the real device hands to KVM_MEMORY_ENCRYPT_OP, read back at the offsets documented in
 * sev-snp.md §1.3 (independently of the Java layouts, which SnpLaunchAbiTest checks with gcc).
 */
class SnpCommandStructsTest {

    private static ByteBuffer bytes(MemorySegment segment) {
        return ByteBuffer.wrap(segment.toArray(ValueLayout.JAVA_BYTE)).order(ByteOrder.LITTLE_ENDIAN);
    }

    @SuppressWarnings("restricted") // SAFETY: reads back a buffer the same arena allocated, by its address.
    private static byte[] at(long address, int length) {
        return MemorySegment.ofAddress(address).reinterpret(length).toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void sevCmdCarriesIdDataPointerAndSevFd() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(64);
            ByteBuffer cmd = bytes(SnpCommandStructs.sevCmd(arena, SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_UPDATE, data, 7));
            assertEquals(24, cmd.capacity());
            assertEquals(101, cmd.getInt(0));
            assertEquals(0, cmd.getInt(4));
            assertEquals(data.address(), cmd.getLong(8));
            assertEquals(0, cmd.getInt(0x10), "error is output only");
            assertEquals(7, cmd.getInt(0x14));
        }
    }

    @Test
    void init2AndLaunchStart() {
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer init = bytes(SnpCommandStructs.init(arena, 0x20, 2));
            assertEquals(48, init.capacity());
            assertEquals(0x20, init.getLong(0));
            assertEquals(0, init.getInt(8), "flags");
            assertEquals(2, init.getShort(12));
            ByteBuffer start = bytes(SnpCommandStructs.launchStart(arena, 0xb0000));
            assertEquals(64, start.capacity());
            assertEquals(0xb0000, start.getLong(0));
            byte[] rest = Arrays.copyOfRange(start.array(), 8, 64);
            assertArrayEquals(new byte[56], rest, "GOSVW, flags and padding are zero");
        }
    }

    @Test
    void launchUpdatePointsAtAnAlignedCopyOfThePages() {
        byte[] pages = new byte[2 * 4096];
        Arrays.fill(pages, 4096, 8192, (byte) 0x5a);
        pages[0] = 1;
        LaunchUpdate update = new LaunchUpdate(0x201000, pages.length, PageType.NORMAL, pages);
        try (Arena arena = Arena.ofConfined()) {
            SnpCommandStructs.EncodedUpdate encoded = SnpCommandStructs.launchUpdate(arena, update);
            ByteBuffer params = bytes(encoded.params());
            assertEquals(64, params.capacity());
            assertEquals(0x201, params.getLong(0), "gfn_start");
            long uaddr = params.getLong(8);
            assertEquals(0, uaddr % 4096, "uaddr is 4 KiB aligned");
            assertArrayEquals(pages, at(uaddr, pages.length));
            assertEquals(pages.length, params.getLong(0x10));
            assertEquals(PageType.NORMAL.code(), params.get(0x18));
            assertEquals(0, params.getShort(0x1A), "flags");

            // KVM reports progress by lowering len: one of two pages done.
            encoded.params().set(ValueLayout.JAVA_LONG, 0x10, 4096);
            assertEquals(1, encoded.pagesProcessed(update));
        }
        LaunchUpdate zero = new LaunchUpdate(0x400000, 3 * 4096, PageType.ZERO, null);
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer params = bytes(SnpCommandStructs.launchUpdate(arena, zero).params());
            assertEquals(0x400, params.getLong(0));
            assertEquals(0, params.getLong(8), "a ZERO update has no source");
            assertEquals(3 * 4096, params.getLong(0x10));
            assertEquals(PageType.ZERO.code(), params.get(0x18));
        }
    }

    @Test
    void launchFinishWithAndWithoutIdBlock() {
        byte[] hostData = new byte[32];
        Arrays.fill(hostData, (byte) 0xee);
        byte[] block = new byte[96];
        block[95] = 9;
        byte[] auth = new byte[4096];
        auth[4095] = 8;
        try (Arena arena = Arena.ofConfined()) {
            ByteBuffer plain = bytes(SnpCommandStructs.launchFinish(arena, Optional.empty(), hostData));
            assertEquals(88, plain.capacity());
            assertEquals(0, plain.getLong(0));
            assertEquals(0, plain.getLong(8));
            assertEquals(0, plain.get(0x10));
            assertArrayEquals(hostData, Arrays.copyOfRange(plain.array(), 0x13, 0x33));

            ByteBuffer withId = bytes(SnpCommandStructs.launchFinish(arena,
                    Optional.of(new SnpIdBlock(block, auth, true)), hostData));
            assertArrayEquals(block, at(withId.getLong(0), 96));
            assertArrayEquals(auth, at(withId.getLong(8), 4096));
            assertEquals(1, withId.get(0x10), "id_block_en");
            assertEquals(1, withId.get(0x11), "auth_key_en");
            assertEquals(0, withId.get(0x12), "vcek_disabled");
            assertArrayEquals(hostData, Arrays.copyOfRange(withId.array(), 0x13, 0x33));
            assertEquals(0, withId.getShort(0x36), "flags");
        }
    }
}
