package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Plays the in-keep side: fills a mailbox the way docs/hostcall-abi.md tells the guest to. */
final class GuestMailbox {
    static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final MemorySegment segment = Arena.ofAuto().allocate(MAILBOX_SIZE, 8);

    private void header(long sequence, int opcode, int requestOffset, int requestLength) {
        segment.set(U32, OFF_MAGIC, MAILBOX_MAGIC);
        segment.set(U32, OFF_VERSION, VERSION);
        segment.set(U64, OFF_SEQUENCE, sequence);
        segment.set(U32, OFF_OPCODE, opcode);
        segment.set(U32, OFF_FLAGS, 0);
        segment.set(U32, OFF_REQUEST_OFFSET, requestOffset);
        segment.set(U32, OFF_REQUEST_LENGTH, requestLength);
        segment.set(U32, OFF_REPLY_OFFSET, 0);
        segment.set(U32, OFF_REPLY_CAPACITY, 0);
        segment.set(U64, OFF_RESERVED, 0);
    }

    GuestMailbox write(long sequence, int fd, byte[] data) {
        return writeAt(sequence, fd, data, HEADER_SIZE);
    }

    GuestMailbox writeAt(long sequence, int fd, byte[] data, int requestOffset) {
        header(sequence, OP_WRITE, requestOffset, WRITE_OFF_DATA + data.length);
        segment.set(U32, requestOffset + WRITE_OFF_FD, fd);
        segment.set(U32, requestOffset + WRITE_OFF_RESERVED, 0);
        MemorySegment.copy(data, 0, segment, ValueLayout.JAVA_BYTE,
                requestOffset + WRITE_OFF_DATA, data.length);
        return this;
    }

    /**
     * A WASI request: call id, argument slots (the rest 0), input bytes; the reply range as
     * given (the keep puts it at the next 8-byte boundary after the request).
     */
    GuestMailbox wasi(long sequence, int call, long[] slots, byte[] input, int replyOffset,
            int replyCapacity) {
        int length = WASI_OFF_DATA + input.length;
        header(sequence, OP_WASI, HEADER_SIZE, length);
        segment.set(U32, OFF_REPLY_OFFSET, replyOffset);
        segment.set(U32, OFF_REPLY_CAPACITY, replyCapacity);
        segment.set(U32, HEADER_SIZE + WASI_OFF_CALL, call);
        segment.set(U32, HEADER_SIZE + WASI_OFF_RESERVED, 0);
        for (int j = 0; j < WASI_MAX_ARGS; j++) {
            segment.set(U64, HEADER_SIZE + WASI_OFF_ARGS + 8L * j, j < slots.length ? slots[j] : 0);
        }
        MemorySegment.copy(input, 0, segment, ValueLayout.JAVA_BYTE, HEADER_SIZE + WASI_OFF_DATA,
                input.length);
        return this;
    }

    /** A WASI request with the reply right after it and the rest of the mailbox as room. */
    GuestMailbox wasi(long sequence, int call, long[] slots, byte[] input) {
        int reply = (HEADER_SIZE + WASI_OFF_DATA + input.length + 7) & ~7;
        return wasi(sequence, call, slots, input, reply, MAILBOX_SIZE - reply);
    }

    /** A store keep's AWAIT: the last call's status, the reply range as given. */
    GuestMailbox await(long sequence, int status, int replyOffset, int replyCapacity) {
        header(sequence, OP_AWAIT, HEADER_SIZE, AWAIT_REQUEST_LENGTH);
        segment.set(U32, OFF_REPLY_OFFSET, replyOffset);
        segment.set(U32, OFF_REPLY_CAPACITY, replyCapacity);
        segment.set(U32, HEADER_SIZE, status);
        segment.set(U32, HEADER_SIZE + 4, 0);
        return this;
    }

    GuestMailbox exit(long sequence, int status) {
        header(sequence, OP_EXIT, HEADER_SIZE, EXIT_REQUEST_LENGTH);
        segment.set(U32, HEADER_SIZE, status);
        return this;
    }

    int u32(int offset) {
        return segment.get(U32, offset);
    }

    long u64(int offset) {
        return segment.get(U64, offset);
    }
}
