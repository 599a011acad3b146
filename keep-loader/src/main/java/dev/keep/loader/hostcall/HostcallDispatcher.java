package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The host side of one keep's hostcalls: checks the doorbell, validates the mailbox, performs the
 * request and writes the reply into the mailbox header. One instance per keep, called from that
 * keep's vCPU thread only. After an invalid request the keep is finished: every later doorbell
 * is answered with the same termination.
 */
public final class HostcallDispatcher {
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MailboxValidator validator = new MailboxValidator();
    private final OutputStream stdout;
    private final OutputStream stderr;
    private long expectedSequence = 1;
    private HostcallOutcome finalOutcome;

    public HostcallDispatcher(OutputStream stdout, OutputStream stderr) {
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** The sequence number the next request must carry. */
    public long expectedSequence() {
        return expectedSequence;
    }

    /**
     * Handles one {@code out} to the request doorbell.
     *
     * @param mailbox the keep's mailbox in guest memory ({@code MAILBOX_SIZE} bytes)
     * @param port the port the guest wrote
     * @param size the access width in bytes
     * @param value the value written (zero-extended)
     */
    public HostcallOutcome onDoorbell(MemorySegment mailbox, int port, int size, long value) {
        if (finalOutcome != null) {
            return finalOutcome;
        }
        if (port != REQUEST_DOORBELL_PORT) {
            return finish(new HostcallOutcome.Terminated(String.format(
                    "invalid hostcall: out to port %#x, the request doorbell is %#x", port,
                    REQUEST_DOORBELL_PORT)));
        }
        if (size != DOORBELL_SIZE) {
            return finish(new HostcallOutcome.Terminated("invalid hostcall: doorbell written with "
                    + size + " bytes, the ABI says " + DOORBELL_SIZE));
        }
        return switch (validator.decode(mailbox, expectedSequence, value)) {
            case Rejection r -> finish(new HostcallOutcome.Terminated(r.message()));
            case HostcallRequest.Exit exit -> finish(new HostcallOutcome.Exited(exit.status()));
            case HostcallRequest.Write write -> {
                reply(mailbox, perform(write), write.length());
                expectedSequence++;
                yield new HostcallOutcome.Resume();
            }
        };
    }

    /** Writes the bytes; the WASI errno to report (0, or EIO when the sink failed). */
    private int perform(HostcallRequest.Write write) {
        OutputStream sink = write.fd() == FD_STDOUT ? stdout : stderr;
        try {
            sink.write(write.data());
            sink.flush();
            return STATUS_OK;
        } catch (IOException e) {
            return STATUS_EIO;
        }
    }

    private static void reply(MemorySegment mailbox, int status, long written) {
        mailbox.set(U32, OFF_REPLY_LENGTH, 0);
        mailbox.set(U64, OFF_RESULT, status == STATUS_OK ? written : 0);
        // Status last: a polling guest may treat it as "reply complete".
        mailbox.set(U32, OFF_STATUS, status);
    }

    private HostcallOutcome finish(HostcallOutcome outcome) {
        finalOutcome = outcome;
        return outcome;
    }
}
