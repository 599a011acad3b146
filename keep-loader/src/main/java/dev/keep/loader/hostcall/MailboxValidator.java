package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads a hostcall mailbox from guest memory and checks every field against the ABI
 * (docs/hostcall-abi.md). The guest is untrusted: the header is copied once before it is checked
 * (so a second vCPU cannot change it between check and use), every offset and length is checked
 * in 64-bit arithmetic against the payload area, and the payload is copied out. Any content gives
 * a {@link HostcallRequest} or a {@link Rejection}; nothing else escapes.
 */
public final class MailboxValidator {
    private final boolean storeKeep;

    /** A validator for an app's keep, which never sends AWAIT. */
    public MailboxValidator() {
        this(false);
    }

    /** @param storeKeep whether AWAIT is allowed: the keep is a store keep */
    public MailboxValidator(boolean storeKeep) {
        this.storeKeep = storeKeep;
    }

    /**
     * Decodes the mailbox.
     *
     * @param mailbox the guest's mailbox, exactly {@code MAILBOX_SIZE} bytes
     * @param expectedSequence the sequence number the next request must carry
     * @param doorbellValue the 32-bit value the guest wrote to the request doorbell
     */
    public MailboxDecision decode(MemorySegment mailbox, long expectedSequence, long doorbellValue) {
        if (mailbox.byteSize() != MAILBOX_SIZE) {
            return new Rejection("mailbox is " + mailbox.byteSize() + " bytes, the ABI says "
                    + MAILBOX_SIZE);
        }
        ByteBuffer h = ByteBuffer.wrap(mailbox.asSlice(0, HEADER_SIZE).toArray(ValueLayout.JAVA_BYTE))
                .order(ByteOrder.LITTLE_ENDIAN);
        int magic = h.getInt(OFF_MAGIC);
        if (magic != MAILBOX_MAGIC) {
            return reject("magic is %s, expected %s", hex(magic), hex(MAILBOX_MAGIC));
        }
        int version = h.getInt(OFF_VERSION);
        if (version != VERSION) {
            return reject("version is %s, this host speaks version %d",
                    Integer.toUnsignedString(version), VERSION);
        }
        long sequence = h.getLong(OFF_SEQUENCE);
        if (sequence != expectedSequence) {
            return reject("sequence number is %s, expected %s", Long.toUnsignedString(sequence),
                    Long.toUnsignedString(expectedSequence));
        }
        if (doorbellValue != (sequence & 0xFFFF_FFFFL)) {
            return reject("doorbell value %s does not match sequence number %s",
                    hex(doorbellValue), Long.toUnsignedString(sequence));
        }
        int opcode = h.getInt(OFF_OPCODE);
        if (opcode != OP_WRITE && opcode != OP_EXIT && opcode != OP_WASI && opcode != OP_AWAIT) {
            return reject("unknown opcode %s", Integer.toUnsignedString(opcode));
        }
        if (opcode == OP_AWAIT && !storeKeep) {
            return reject("AWAIT is only for store keeps");
        }
        int flags = h.getInt(OFF_FLAGS);
        if (flags != 0) {
            return reject("flags are %s, version %d defines none", hex(flags), VERSION);
        }
        long reserved = h.getLong(OFF_RESERVED);
        if (reserved != 0) {
            return reject("reserved header field is %s, must be 0", hex(reserved));
        }
        long requestOffset = Integer.toUnsignedLong(h.getInt(OFF_REQUEST_OFFSET));
        long requestLength = Integer.toUnsignedLong(h.getInt(OFF_REQUEST_LENGTH));
        Rejection badRequest = checkRange("request", requestOffset, requestLength);
        if (badRequest != null) {
            return badRequest;
        }
        long replyOffset = Integer.toUnsignedLong(h.getInt(OFF_REPLY_OFFSET));
        long replyCapacity = Integer.toUnsignedLong(h.getInt(OFF_REPLY_CAPACITY));
        if (opcode == OP_WASI || opcode == OP_AWAIT) {
            Rejection badReply = checkRange("reply", replyOffset, replyCapacity);
            if (badReply != null) {
                return badReply;
            }
            if (replyOffset < requestOffset + requestLength
                    && requestOffset < replyOffset + replyCapacity) {
                return reject("reply range %d+%d overlaps the request %d+%d", replyOffset,
                        replyCapacity, requestOffset, requestLength);
            }
            byte[] request = mailbox.asSlice(requestOffset, requestLength)
                    .toArray(ValueLayout.JAVA_BYTE);
            if (opcode == OP_AWAIT) {
                return await(sequence, request, (int) replyOffset, replyCapacity);
            }
            return WasiRequestDecoder.decode(sequence, request, (int) replyOffset,
                    (int) replyCapacity);
        }
        // WRITE and EXIT return no payload; their results travel in the header.
        if (replyOffset != 0 || replyCapacity != 0) {
            return reject("reply range %d+%d given, but %s has no reply payload (both must be 0)",
                    replyOffset, replyCapacity, opcodeName(opcode));
        }
        byte[] request = mailbox.asSlice(requestOffset, requestLength).toArray(ValueLayout.JAVA_BYTE);
        return opcode == OP_WRITE ? write(sequence, request) : exit(sequence, request);
    }

    private static MailboxDecision write(long sequence, byte[] request) {
        if (request.length < WRITE_OFF_DATA) {
            return reject("WRITE request is %d bytes, at least %d needed", request.length,
                    WRITE_OFF_DATA);
        }
        ByteBuffer b = ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN);
        int fd = b.getInt(WRITE_OFF_FD);
        if (fd != FD_STDOUT && fd != FD_STDERR) {
            return reject("WRITE to fd %s; only %d (stdout) and %d (stderr) exist",
                    Integer.toUnsignedString(fd), FD_STDOUT, FD_STDERR);
        }
        int reserved = b.getInt(WRITE_OFF_RESERVED);
        if (reserved != 0) {
            return reject("WRITE reserved word is %s, must be 0", hex(reserved));
        }
        byte[] data = java.util.Arrays.copyOfRange(request, WRITE_OFF_DATA, request.length);
        return new HostcallRequest.Write(sequence, fd, data);
    }

    private static MailboxDecision exit(long sequence, byte[] request) {
        if (request.length != EXIT_REQUEST_LENGTH) {
            return reject("EXIT request is %d bytes, must be %d", request.length,
                    EXIT_REQUEST_LENGTH);
        }
        long status = Integer.toUnsignedLong(
                ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        if (status > EXIT_STATUS_MAX) {
            return reject("EXIT status %d is not in 0..%d", status, EXIT_STATUS_MAX);
        }
        return new HostcallRequest.Exit(sequence, (int) status);
    }

    private static MailboxDecision await(long sequence, byte[] request, int replyOffset, long replyCapacity) {
        if (request.length != AWAIT_REQUEST_LENGTH) {
            return reject("AWAIT request is %d bytes, must be %d", request.length, AWAIT_REQUEST_LENGTH);
        }
        if (replyCapacity < AWAIT_REPLY_LENGTH) {
            return reject("AWAIT reply capacity is %d bytes, at least %d needed", replyCapacity,
                    AWAIT_REPLY_LENGTH);
        }
        ByteBuffer b = ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN);
        int reserved = b.getInt(4);
        if (reserved != 0) {
            return reject("AWAIT reserved word is %s, must be 0", hex(reserved));
        }
        return new HostcallRequest.Await(sequence, b.getInt(0), replyOffset);
    }

    /** Null when [offset, offset + length) lies in the payload area, else the rejection. */
    private static Rejection checkRange(String what, long offset, long length) {
        if (offset < HEADER_SIZE || offset >= MAILBOX_SIZE || length > MAILBOX_SIZE - offset) {
            return reject("%s range %d+%d is outside the payload area %d..%d", what, offset,
                    length, HEADER_SIZE, MAILBOX_SIZE);
        }
        return null;
    }

    static String opcodeName(int opcode) {
        return switch (opcode) {
            case OP_WRITE -> "WRITE";
            case OP_EXIT -> "EXIT";
            case OP_WASI -> "WASI";
            case OP_AWAIT -> "AWAIT";
            default -> "opcode " + Integer.toUnsignedString(opcode);
        };
    }

    static Rejection reject(String format, Object... args) {
        return new Rejection("invalid hostcall: " + String.format(format, args));
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }

    private static String hex(int value) {
        return "0x" + Integer.toHexString(value);
    }
}
