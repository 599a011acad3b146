package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.Preopen;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.shim.abi.WasiCall;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WASI requests forged straight into the mailbox, as a hostile keep could write them: every
 * field the host reads is checked, a bad one terminates that keep with one line naming it, and
 * the host (its fd table, the files beneath the preopen) is unharmed.
 */
class WasiMailboxTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final GuestMailbox box = new GuestMailbox();
    private HostcallDispatcher dispatcher;

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("f.txt"), "file content");
        WasiCallHandler files = new WasiCallHandler(new ByteArrayInputStream(
                "typed".getBytes(StandardCharsets.UTF_8)), out, err,
                List.of(new Preopen("/d", dir, false)), KeepLimits.DEFAULT);
        dispatcher = new HostcallDispatcher(out, err, files);
    }

    @AfterEach
    void stop() {
        dispatcher.close();
    }

    private HostcallOutcome ring(long sequence) {
        return dispatcher.onDoorbell(box.segment, REQUEST_DOORBELL_PORT, DOORBELL_SIZE, sequence);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private int replyOffset() {
        return box.u32(OFF_REPLY_OFFSET);
    }

    @Test
    void aWellFormedOpenAndReadAreServedWithTheirReplies() {
        long[] open = {3, 1, 0, 5, 0, 0x26, 0, 0, 0};
        box.wasi(1, WasiCall.PATH_OPEN.id, open, utf8("f.txt"));
        assertInstanceOf(HostcallOutcome.Resume.class, ring(1));
        assertEquals(0, box.u32(OFF_STATUS));
        assertEquals(4, box.u32(OFF_REPLY_LENGTH));
        int fd = box.segment.get(GuestMailbox.U32, replyOffset());
        assertEquals(4, fd);
        box.wasi(2, WasiCall.FD_READ.id, new long[] {fd, 0, 100, 0}, new byte[0]);
        assertInstanceOf(HostcallOutcome.Resume.class, ring(2));
        assertEquals(12, box.u64(OFF_RESULT));
        assertEquals(12, box.u32(OFF_REPLY_LENGTH));
        byte[] read = box.segment.asSlice(replyOffset(), 12).toArray(ValueLayout.JAVA_BYTE);
        assertEquals("file content", new String(read, StandardCharsets.UTF_8));
        box.wasi(3, WasiCall.FD_READ.id, new long[] {0, 0, 3, 0}, new byte[0]);
        ring(3);
        assertEquals(3, box.u64(OFF_RESULT), "stdin is fd 0, limited to what the keep can take");
    }

    @Test
    void errorsAreWasiErrnosWithNoReplyBytes() {
        box.wasi(1, WasiCall.FD_CLOSE.id, new long[] {99}, new byte[0]);
        assertInstanceOf(HostcallOutcome.Resume.class, ring(1));
        assertEquals(8, box.u32(OFF_STATUS));
        assertEquals(0, box.u32(OFF_REPLY_LENGTH));
        assertEquals(0, box.u64(OFF_RESULT));
        box.wasi(2, WasiCall.PATH_OPEN.id, new long[] {3, 1, 0, 2, 0, 0x26, 0, 0, 0}, utf8(".."));
        ring(2);
        assertEquals(76, box.u32(OFF_STATUS), "notcapable for a path leaving the preopen");
        box.wasi(3, WasiCall.PATH_OPEN.id, new long[] {3, 1, 0, 2, 0, 0x26, 0, 0, 0},
                new byte[] {(byte) 0xC3, 0x28});
        ring(3);
        assertEquals(25, box.u32(OFF_STATUS), "ilseq for a path that is not UTF-8");
    }

    /** Each forged field in turn: the keep is terminated, the message names the field. */
    @Test
    void everyForgedFieldTerminatesTheKeep() {
        long[] open = {3, 1, 0, 5, 0, 0x26, 0, 0, 0};
        forged("WASI call id 999 is unknown", b -> b.wasi(1, 999, new long[0], new byte[0]));
        forged("WASI reserved word is 0x1", b -> {
            b.wasi(1, WasiCall.FD_CLOSE.id, new long[] {3}, new byte[0]);
            b.segment.set(GuestMailbox.U32, HEADER_SIZE + WASI_OFF_RESERVED, 1);
        });
        forged("argument slot 2 is 0x1000: pointer slots must be 0",
                b -> b.wasi(1, WasiCall.PATH_OPEN.id, withSlot(open, 2, 0x1000), utf8("f.txt")));
        forged("argument slot 8 is 0x10: pointer slots must be 0",
                b -> b.wasi(1, WasiCall.PATH_OPEN.id, withSlot(open, 8, 0x10), utf8("f.txt")));
        forged("argument slot 0 is 0x100000003: an i32 parameter does not fit 32 bits",
                b -> b.wasi(1, WasiCall.PATH_OPEN.id, withSlot(open, 0, 0x1_0000_0003L), utf8("f.txt")));
        forged("argument slot 1 is 0x5: unused slots must be 0",
                b -> b.wasi(1, WasiCall.FD_CLOSE.id, new long[] {3, 5}, new byte[0]));
        forged("argument slot 3 is 0x1001: more than 4096 input bytes",
                b -> b.wasi(1, WasiCall.PATH_OPEN.id, withSlot(open, 3, 0x1001), utf8("f.txt")));
        forged("argument slot 3 is 0xffffffffffffffff",
                b -> b.wasi(1, WasiCall.PATH_OPEN.id, withSlot(open, 3, -1), utf8("f.txt")));
        forged("argument slot 2 is 0x8001: more than 32768 reply bytes",
                b -> b.wasi(1, WasiCall.FD_READ.id, new long[] {0, 0, 0x8001, 0}, new byte[0]));
        forged("path_open request is 85 bytes, its lengths say 84",
                b -> b.wasi(1, WasiCall.PATH_OPEN.id, withSlot(open, 3, 4), utf8("f.txt")));
        forged("WASI request is 8 bytes, at least 80 needed", b -> {
            b.wasi(1, WasiCall.FD_CLOSE.id, new long[] {3}, new byte[0]);
            b.segment.set(GuestMailbox.U32, OFF_REQUEST_LENGTH, 8);
        });
        forged("reply range 64+100 overlaps the request", b -> b.wasi(1, WasiCall.FD_READ.id,
                new long[] {0, 0, 10, 0}, new byte[0], HEADER_SIZE, 100));
        forged("reply range 65000+1000 is outside the payload area", b -> b.wasi(1,
                WasiCall.FD_READ.id, new long[] {0, 0, 10, 0}, new byte[0], 65000, 1000));
        forged("reply range 0+100 is outside", b -> b.wasi(1, WasiCall.FD_READ.id,
                new long[] {0, 0, 10, 0}, new byte[0], 0, 100));
        forged("fd_read reply capacity 50 is below the 100 it needs", b -> b.wasi(1,
                WasiCall.FD_READ.id, new long[] {0, 0, 100, 0}, new byte[0], 256, 50));
        forged("argument slot 2 is 0x0: subscriptions must number 1..256", b -> b.wasi(1,
                WasiCall.POLL_ONEOFF.id, new long[] {0, 0, 0, 0}, new byte[0]));
        forged("argument slot 2 is 0x101: subscriptions must number 1..256", b -> b.wasi(1,
                WasiCall.POLL_ONEOFF.id, new long[] {0, 0, 257, 0}, new byte[0]));
        forged("poll_oneoff request is 80 bytes, its lengths say 128", b -> b.wasi(1,
                WasiCall.POLL_ONEOFF.id, new long[] {0, 0, 1, 0}, new byte[0]));
        forged("poll_oneoff reply capacity 63 is below the 64 it needs", b -> b.wasi(1,
                WasiCall.POLL_ONEOFF.id, new long[] {0, 0, 2, 0}, new byte[96], 256, 63));
        forged("fd_filestat_get reply capacity 63 is below the 64 it needs", b -> b.wasi(1,
                WasiCall.FD_FILESTAT_GET.id, new long[] {3, 0}, new byte[0], 256, 63));
    }

    private static long[] withSlot(long[] slots, int j, long value) {
        long[] copy = slots.clone();
        copy[j] = value;
        return copy;
    }

    private void forged(String expected, Consumer<GuestMailbox> forge) {
        GuestMailbox mailbox = new GuestMailbox();
        forge.accept(mailbox);
        HostcallDispatcher fresh = new HostcallDispatcher(out, err);
        try (fresh) {
            var t = assertInstanceOf(HostcallOutcome.Terminated.class,
                    fresh.onDoorbell(mailbox.segment, REQUEST_DOORBELL_PORT, DOORBELL_SIZE, 1));
            assertTrue(t.message().startsWith("invalid hostcall: "), t.message());
            assertTrue(t.message().contains(expected), () -> t.message() + " should say: " + expected);
            assertTrue(!t.message().contains("\n"));
            assertEquals(t, fresh.onDoorbell(mailbox.segment, REQUEST_DOORBELL_PORT, DOORBELL_SIZE, 2),
                    "a terminated keep stays terminated");
        }
    }

    /** After a rejected request the host's files are untouched and other keeps still work. */
    @Test
    void aRejectedKeepLeavesTheHostWorking() throws Exception {
        box.wasi(1, WasiCall.PATH_UNLINK_FILE.id, new long[] {3, 7, 5}, utf8("f.txt"));
        assertInstanceOf(HostcallOutcome.Terminated.class, ring(1));
        assertTrue(Files.exists(dir.resolve("f.txt")));
        try (HostcallDispatcher other = new HostcallDispatcher(out, err, new WasiCallHandler(
                new ByteArrayInputStream(new byte[0]), out, err, List.of(new Preopen("/d", dir, false)),
                KeepLimits.DEFAULT))) {
            GuestMailbox mailbox = new GuestMailbox().wasi(1, WasiCall.PATH_UNLINK_FILE.id,
                    new long[] {3, 0, 5}, utf8("f.txt"));
            assertInstanceOf(HostcallOutcome.Resume.class,
                    other.onDoorbell(mailbox.segment, REQUEST_DOORBELL_PORT, DOORBELL_SIZE, 1));
            assertEquals(0, mailbox.u32(OFF_STATUS));
        }
        assertTrue(Files.notExists(dir.resolve("f.txt")));
    }

    /** Closing the dispatcher closes every descriptor the keep left open. */
    @Test
    void closingTheDispatcherReleasesTheKeepsDescriptors() throws Exception {
        long before = openDescriptors();
        for (int i = 1; i <= 20; i++) {
            box.wasi(i, WasiCall.PATH_OPEN.id, new long[] {3, 1, 0, 5, 0, 0x26, 0, 0, 0}, utf8("f.txt"));
            ring(i);
            assertEquals(0, box.u32(OFF_STATUS));
        }
        assertTrue(openDescriptors() >= before + 20);
        dispatcher.close();
        assertTrue(openDescriptors() <= before, "descriptors were released");
    }

    private static long openDescriptors() throws Exception {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
