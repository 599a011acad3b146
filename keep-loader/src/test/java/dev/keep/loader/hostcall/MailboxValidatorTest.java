package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class MailboxValidatorTest {
    private final MailboxValidator validator = new MailboxValidator();
    private static final byte[] HELLO = "hello, keep\n".getBytes(StandardCharsets.UTF_8);

    @Test
    void validWriteDecodes() {
        GuestMailbox box = new GuestMailbox().write(7, FD_STDERR, HELLO);
        var write = assertInstanceOf(HostcallRequest.Write.class,
                validator.decode(box.segment, 7, 7));
        assertEquals(7, write.sequence());
        assertEquals(FD_STDERR, write.fd());
        assertArrayEquals(HELLO, write.data());
    }

    @Test
    void writeMayUseAnyRangeInsideThePayloadAreaIncludingTheLastByte() {
        byte[] full = new byte[PAYLOAD_SIZE - WRITE_OFF_DATA];
        new Random(1).nextBytes(full);
        var write = assertInstanceOf(HostcallRequest.Write.class,
                validator.decode(new GuestMailbox().write(1, FD_STDOUT, full).segment, 1, 1));
        assertArrayEquals(full, write.data());
        var empty = assertInstanceOf(HostcallRequest.Write.class, validator.decode(
                new GuestMailbox().writeAt(1, FD_STDOUT, new byte[0], MAILBOX_SIZE - 8).segment,
                1, 1));
        assertEquals(0, empty.length());
    }

    @Test
    void validExitDecodes() {
        for (int status : new int[] {0, 1, 42, 255}) {
            var exit = assertInstanceOf(HostcallRequest.Exit.class,
                    validator.decode(new GuestMailbox().exit(3, status).segment, 3, 3));
            assertEquals(status, exit.status());
        }
    }

    @Test
    void sequenceNumbersAboveFourBillionUseTheLowHalfInTheDoorbell() {
        long sequence = 0x1_0000_0005L;
        assertInstanceOf(HostcallRequest.Exit.class, validator.decode(
                new GuestMailbox().exit(sequence, 0).segment, sequence, 5));
    }

    @Test
    void awaitDecodesOnlyForAStoreKeep() {
        MailboxValidator store = new MailboxValidator(true);
        var await = assertInstanceOf(HostcallRequest.Await.class,
                store.decode(new GuestMailbox().await(4, 7, HEADER_SIZE + 16, AWAIT_REPLY_LENGTH).segment, 4, 4));
        assertEquals(7, await.status());
        assertEquals(HEADER_SIZE + 16, await.replyOffset());
        var refused = assertInstanceOf(Rejection.class,
                validator.decode(new GuestMailbox().await(1, 0, HEADER_SIZE + 16, AWAIT_REPLY_LENGTH).segment, 1, 1));
        assertEquals("invalid hostcall: AWAIT is only for store keeps", refused.message());
    }

    @Test
    void awaitWithABadLengthReservedWordOrReplyRangeIsRejected() {
        MailboxValidator store = new MailboxValidator(true);
        java.util.function.BiConsumer<String, GuestMailbox> rejectedByStore = (expected, box) -> {
            var rejection = assertInstanceOf(Rejection.class, store.decode(box.segment, 1, 1));
            assertTrue(rejection.message().contains(expected), rejection.message());
        };
        rejectedByStore.accept("AWAIT reply capacity is 31 bytes, at least 32 needed",
                new GuestMailbox().await(1, 0, HEADER_SIZE + 16, 31));
        rejectedByStore.accept("overlaps the request",
                new GuestMailbox().await(1, 0, HEADER_SIZE + 4, 32));
        rejectedByStore.accept("outside the payload area",
                new GuestMailbox().await(1, 0, MAILBOX_SIZE - 16, 32));
        GuestMailbox reserved = new GuestMailbox().await(1, 0, HEADER_SIZE + 16, 32);
        reserved.segment.set(GuestMailbox.U32, HEADER_SIZE + 4, 1);
        rejectedByStore.accept("AWAIT reserved word is 0x1, must be 0", reserved);
        GuestMailbox longer = new GuestMailbox().await(1, 0, HEADER_SIZE + 16, 32);
        longer.segment.set(GuestMailbox.U32, OFF_REQUEST_LENGTH, 12);
        rejectedByStore.accept("AWAIT request is 12 bytes, must be 8", longer);
    }

    private void rejected(String expected, Consumer<GuestMailbox> corrupt) {
        GuestMailbox box = new GuestMailbox().write(1, FD_STDOUT, HELLO);
        corrupt.accept(box);
        var rejection = assertInstanceOf(Rejection.class, validator.decode(box.segment, 1, 1),
                "corruption expected to be caught: " + expected);
        assertTrue(rejection.message().contains(expected), rejection.message());
        assertFalse(rejection.message().contains("\n"));
        assertTrue(rejection.message().startsWith("invalid hostcall: "), rejection.message());
    }

    @Test
    void eachHeaderFieldCorruptedInTurnIsRejected() {
        rejected("magic is 0x58424d4a", b -> b.segment.set(GuestMailbox.U32, OFF_MAGIC,
                MAILBOX_MAGIC - 1));
        rejected("version is 4", b -> b.segment.set(GuestMailbox.U32, OFF_VERSION, 4));
        rejected("version is 2", b -> b.segment.set(GuestMailbox.U32, OFF_VERSION, 2));
        rejected("version is 1", b -> b.segment.set(GuestMailbox.U32, OFF_VERSION, 1));
        rejected("version is 0", b -> b.segment.set(GuestMailbox.U32, OFF_VERSION, 0));
        rejected("sequence number is 0, expected 1",
                b -> b.segment.set(GuestMailbox.U64, OFF_SEQUENCE, 0));
        rejected("sequence number is 2, expected 1",
                b -> b.segment.set(GuestMailbox.U64, OFF_SEQUENCE, 2));
        rejected("sequence number is 18446744073709551615",
                b -> b.segment.set(GuestMailbox.U64, OFF_SEQUENCE, -1));
        rejected("unknown opcode 0", b -> b.segment.set(GuestMailbox.U32, OFF_OPCODE, 0));
        rejected("AWAIT is only for store keeps", b -> b.segment.set(GuestMailbox.U32, OFF_OPCODE, 4));
        rejected("unknown opcode 5", b -> b.segment.set(GuestMailbox.U32, OFF_OPCODE, 5));
        rejected("unknown opcode 4294967295", b -> b.segment.set(GuestMailbox.U32, OFF_OPCODE, -1));
        rejected("flags are 0x1", b -> b.segment.set(GuestMailbox.U32, OFF_FLAGS, 1));
        rejected("flags are 0x80000000",
                b -> b.segment.set(GuestMailbox.U32, OFF_FLAGS, 0x8000_0000));
        rejected("reserved header field is 0x100",
                b -> b.segment.set(GuestMailbox.U64, OFF_RESERVED, 0x100));
        rejected("request range 0+20 is outside",
                b -> b.segment.set(GuestMailbox.U32, OFF_REQUEST_OFFSET, 0));
        rejected("request range 63+20 is outside",
                b -> b.segment.set(GuestMailbox.U32, OFF_REQUEST_OFFSET, HEADER_SIZE - 1));
        rejected("request range 65536+20 is outside",
                b -> b.segment.set(GuestMailbox.U32, OFF_REQUEST_OFFSET, MAILBOX_SIZE));
        rejected("request range 4294967295+20 is outside",
                b -> b.segment.set(GuestMailbox.U32, OFF_REQUEST_OFFSET, -1));
        rejected("request range 64+65473 is outside",
                b -> b.segment.set(GuestMailbox.U32, OFF_REQUEST_LENGTH, PAYLOAD_SIZE + 1));
        rejected("request range 64+4294967295 is outside",
                b -> b.segment.set(GuestMailbox.U32, OFF_REQUEST_LENGTH, -1));
        rejected("request range 65520+20 is outside",
                b -> b.segment.set(GuestMailbox.U32, OFF_REQUEST_OFFSET, MAILBOX_SIZE - 16));
        rejected("request range 65536+0 is outside", b -> {
            b.segment.set(GuestMailbox.U32, OFF_REQUEST_OFFSET, MAILBOX_SIZE);
            b.segment.set(GuestMailbox.U32, OFF_REQUEST_LENGTH, 0);
        });
        rejected("reply range 64+0 given",
                b -> b.segment.set(GuestMailbox.U32, OFF_REPLY_OFFSET, HEADER_SIZE));
        rejected("reply range 0+16 given",
                b -> b.segment.set(GuestMailbox.U32, OFF_REPLY_CAPACITY, 16));
    }

    @Test
    void eachRequestFieldCorruptedInTurnIsRejected() {
        rejected("WRITE to fd 0", b -> b.segment.set(GuestMailbox.U32, HEADER_SIZE, 0));
        rejected("WRITE to fd 3", b -> b.segment.set(GuestMailbox.U32, HEADER_SIZE, 3));
        rejected("WRITE to fd 4294967295", b -> b.segment.set(GuestMailbox.U32, HEADER_SIZE, -1));
        rejected("WRITE reserved word is 0x7",
                b -> b.segment.set(GuestMailbox.U32, HEADER_SIZE + WRITE_OFF_RESERVED, 7));
        rejected("WRITE request is 7 bytes",
                b -> b.segment.set(GuestMailbox.U32, OFF_REQUEST_LENGTH, 7));
        rejected("EXIT request is 20 bytes",
                b -> b.segment.set(GuestMailbox.U32, OFF_OPCODE, OP_EXIT));
        rejected("EXIT status 256 is not in 0..255", b -> {
            b.exit(1, 0);
            b.segment.set(GuestMailbox.U32, HEADER_SIZE, 256);
        });
        rejected("EXIT status 4294967295", b -> {
            b.exit(1, 0);
            b.segment.set(GuestMailbox.U32, HEADER_SIZE, -1);
        });
    }

    @Test
    void doorbellValueMustMatchTheSequence() {
        GuestMailbox box = new GuestMailbox().exit(1, 0);
        var r = assertInstanceOf(Rejection.class, validator.decode(box.segment, 1, 2));
        assertEquals("invalid hostcall: doorbell value 0x2 does not match sequence number 1",
                r.message());
    }

    @Test
    void aMailboxOfTheWrongSizeIsRejected() {
        MemorySegment small = Arena.ofAuto().allocate(100);
        var r = assertInstanceOf(Rejection.class, validator.decode(small, 1, 1));
        assertTrue(r.message().contains("100 bytes"), r.message());
    }

    @Test
    void randomGarbageNeverThrowsAndNeverHangs() {
        Random random = new Random(0x4B454550L);
        int[] counts = new int[3];
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            GuestMailbox box = new GuestMailbox();
            for (int i = 0; i < 6000; i++) {
                box.segment.fill((byte) 0);
                switch (i % 3) {
                    case 0 -> fillRandom(box.segment, random, MAILBOX_SIZE);
                    case 1 -> {
                        // Past the magic and version checks: exercises the deeper fields.
                        fillRandom(box.segment, random, HEADER_SIZE + 64);
                        box.segment.set(GuestMailbox.U32, OFF_MAGIC, MAILBOX_MAGIC);
                        box.segment.set(GuestMailbox.U32, OFF_VERSION, VERSION);
                        box.segment.set(GuestMailbox.U64, OFF_SEQUENCE, 1);
                        box.segment.set(GuestMailbox.U32, OFF_OPCODE, 1 + random.nextInt(3));
                        if (random.nextBoolean()) {
                            box.segment.set(GuestMailbox.U32, OFF_FLAGS, 0);
                            box.segment.set(GuestMailbox.U64, OFF_RESERVED, 0);
                        }
                    }
                    default -> {
                        // A valid request with a few random bytes flipped anywhere.
                        if (random.nextBoolean()) {
                            box.write(1, 1 + random.nextInt(2), HELLO);
                        } else {
                            box.exit(1, random.nextInt(256));
                        }
                        for (int k = 0; k < 1 + random.nextInt(4); k++) {
                            int at = random.nextInt(HEADER_SIZE + 32);
                            box.segment.set(ValueLayout.JAVA_BYTE, at, (byte) random.nextInt());
                        }
                    }
                }
                long doorbell = random.nextInt(4) == 0 ? random.nextInt() & 0xFFFF_FFFFL : 1;
                MailboxDecision d = validator.decode(box.segment, 1, doorbell);
                switch (d) {
                    case Rejection r -> {
                        assertTrue(r.message().startsWith("invalid hostcall: "), r.message());
                        assertFalse(r.message().contains("\n"));
                        counts[0]++;
                    }
                    case HostcallRequest.Write w -> {
                        assertTrue(w.fd() == 1 || w.fd() == 2);
                        assertTrue(w.length() <= PAYLOAD_SIZE - WRITE_OFF_DATA);
                        counts[1]++;
                    }
                    case HostcallRequest.Exit e -> {
                        assertTrue(e.status() >= 0 && e.status() <= 255);
                        counts[2]++;
                    }
                    case HostcallRequest.Wasi w -> {
                        assertTrue(w.capacity() <= WASI_MAX_TRANSFER);
                        counts[2]++;
                    }
                    case HostcallRequest.Await a -> fail("an app's keep may not AWAIT: " + a);
                }
            }
        });
        assertTrue(counts[0] > 4000, "mostly rejected");
        assertTrue(counts[1] + counts[2] > 0, "some mutations stay valid");
    }

    private static void fillRandom(MemorySegment segment, Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, length);
    }
}
