package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;

import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.loader.wasi.host.WasiReply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The host side of one keep's hostcalls: checks the doorbell, validates the mailbox, performs the
 * request and writes the reply into the mailbox header. One instance per keep, called from that
 * keep's vCPU thread only. After an invalid request the keep is finished: every later doorbell
 * is answered with the same termination.
 */
public final class HostcallDispatcher implements AutoCloseable {
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MailboxValidator validator;
    private final OutputStream stdout;
    private final OutputStream stderr;
    private final WasiCallHandler wasi;
    /** A store keep's calls; null for an app's keep, which may not AWAIT. */
    private final StoreCalls calls;
    private long expectedSequence = 1;
    private HostcallOutcome finalOutcome;

    /** A keep with no standard input and no preopened directories. */
    public HostcallDispatcher(OutputStream stdout, OutputStream stderr) {
        this(stdout, stderr, noFiles(stdout, stderr));
    }

    /**
     * @param wasi serves the keep's forwarded WASI calls (its fd table); owned by this
     *     dispatcher from now on and closed with it
     */
    public HostcallDispatcher(OutputStream stdout, OutputStream stderr, WasiCallHandler wasi) {
        this(stdout, stderr, wasi, null);
    }

    /**
     * A store keep's dispatcher: AWAIT is answered by {@code calls}; the keep has no files.
     */
    public HostcallDispatcher(OutputStream stdout, OutputStream stderr, StoreCalls calls) {
        this(stdout, stderr, noFiles(stdout, stderr), java.util.Objects.requireNonNull(calls));
    }

    private HostcallDispatcher(OutputStream stdout, OutputStream stderr, WasiCallHandler wasi, StoreCalls calls) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.wasi = wasi;
        this.calls = calls;
        this.validator = new MailboxValidator(calls != null);
    }

    private static WasiCallHandler noFiles(OutputStream stdout, OutputStream stderr) {
        try {
            return new WasiCallHandler(InputStream.nullInputStream(), stdout, stderr, List.of(),
                    KeepLimits.DEFAULT);
        } catch (FsException e) {
            throw new IllegalStateException("no directory was opened, yet: " + e.getMessage(), e);
        }
    }

    /** Closes every host descriptor the keep still holds. */
    @Override
    public void close() {
        wasi.close();
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
            case HostcallRequest.Await await -> {
                var next = calls.next(await.status());
                if (next.isEmpty()) {
                    yield finish(new HostcallOutcome.Exited(0));
                }
                replyAwait(mailbox, await.replyOffset(), next.get());
                expectedSequence++;
                yield new HostcallOutcome.Resume();
            }
            case HostcallRequest.Wasi call -> {
                replyWasi(mailbox, call, wasi.perform(call.call(), call.args(), call.inputs(),
                        call.capacity()));
                expectedSequence++;
                yield new HostcallOutcome.Resume();
            }
        };
    }

    /**
     * Writes the fixed outputs, then the variable ones, at the reply offset. The request was
     * checked to leave room for both; a reply that would not fit (a bug here, never the guest's
     * doing) is answered with EIO instead of writing past the range.
     */
    private static void replyWasi(MemorySegment mailbox, HostcallRequest.Wasi call, WasiReply r) {
        int fixedSize = call.call().fixedReplyBytes();
        boolean fits = r.fixed().length == fixedSize && r.variable().length <= call.capacity();
        if (r.errno() != STATUS_OK || !fits) {
            mailbox.set(U32, OFF_REPLY_LENGTH, 0);
            mailbox.set(U64, OFF_RESULT, 0);
            mailbox.set(U32, OFF_STATUS, r.errno() != STATUS_OK ? r.errno() : STATUS_EIO);
            return;
        }
        MemorySegment.copy(r.fixed(), 0, mailbox, ValueLayout.JAVA_BYTE, call.replyOffset(),
                fixedSize);
        MemorySegment.copy(r.variable(), 0, mailbox, ValueLayout.JAVA_BYTE,
                call.replyOffset() + fixedSize, r.variable().length);
        mailbox.set(U32, OFF_REPLY_LENGTH, fixedSize + r.variable().length);
        mailbox.set(U64, OFF_RESULT, r.result());
        mailbox.set(U32, OFF_STATUS, STATUS_OK);
    }

    private static void replyAwait(MemorySegment mailbox, int at, StoreCalls.Call call) {
        mailbox.set(U64, at, call.trampoline());
        mailbox.set(U64, at + 8, call.context());
        mailbox.set(U64, at + 16, call.values());
        mailbox.set(U64, at + 24, call.function());
        mailbox.set(U32, OFF_REPLY_LENGTH, AWAIT_REPLY_LENGTH);
        mailbox.set(U64, OFF_RESULT, 0);
        mailbox.set(U32, OFF_STATUS, STATUS_OK);
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
