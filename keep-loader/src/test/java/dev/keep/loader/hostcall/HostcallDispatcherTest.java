package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HostcallDispatcherTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final HostcallDispatcher dispatcher = new HostcallDispatcher(out, err);
    private final GuestMailbox box = new GuestMailbox();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesReachTheirStreamAndTheReplyIsWrittenIntoTheMailbox() {
        box.write(1, FD_STDOUT, utf8("hello "));
        box.segment.set(GuestMailbox.U32, OFF_STATUS, 77);
        box.segment.set(GuestMailbox.U32, OFF_REPLY_LENGTH, 77);
        assertInstanceOf(HostcallOutcome.Resume.class,
                dispatcher.onDoorbell(box.segment, REQUEST_DOORBELL_PORT, 4, 1));
        assertEquals(STATUS_OK, box.u32(OFF_STATUS));
        assertEquals(6, box.u64(OFF_RESULT));
        assertEquals(0, box.u32(OFF_REPLY_LENGTH));
        box.write(2, FD_STDERR, utf8("oops"));
        dispatcher.onDoorbell(box.segment, REQUEST_DOORBELL_PORT, 4, 2);
        box.write(3, FD_STDOUT, utf8("world"));
        dispatcher.onDoorbell(box.segment, REQUEST_DOORBELL_PORT, 4, 3);
        assertEquals("hello world", out.toString(StandardCharsets.UTF_8));
        assertEquals("oops", err.toString(StandardCharsets.UTF_8));
        assertEquals(4, dispatcher.expectedSequence());
    }

    @Test
    void exitEndsTheKeepWithItsStatus() {
        box.exit(1, 42);
        assertEquals(new HostcallOutcome.Exited(42),
                dispatcher.onDoorbell(box.segment, REQUEST_DOORBELL_PORT, 4, 1));
    }

    @Test
    void aReplayedRequestTerminatesTheKeepAndItStaysTerminated() {
        box.write(1, FD_STDOUT, utf8("once"));
        dispatcher.onDoorbell(box.segment, REQUEST_DOORBELL_PORT, 4, 1);
        var t = assertInstanceOf(HostcallOutcome.Terminated.class,
                dispatcher.onDoorbell(box.segment, REQUEST_DOORBELL_PORT, 4, 1));
        assertTrue(t.message().contains("sequence number is 1, expected 2"), t.message());
        box.write(2, FD_STDOUT, utf8("twice"));
        assertEquals(t, dispatcher.onDoorbell(box.segment, REQUEST_DOORBELL_PORT, 4, 2));
        assertEquals("once", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void wrongPortOrWidthTerminates() {
        box.write(1, FD_STDOUT, utf8("x"));
        var port = assertInstanceOf(HostcallOutcome.Terminated.class,
                new HostcallDispatcher(out, err).onDoorbell(box.segment, 0x80, 4, 1));
        assertEquals("invalid hostcall: out to port 0x80, the request doorbell is 0xe0",
                port.message());
        var width = assertInstanceOf(HostcallOutcome.Terminated.class,
                new HostcallDispatcher(out, err).onDoorbell(box.segment, REQUEST_DOORBELL_PORT,
                        1, 1));
        assertTrue(width.message().contains("1 bytes"), width.message());
        assertEquals(0, out.size());
    }

    @Test
    void aFailingSinkIsReportedToTheGuestAsEio() {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("closed");
            }
        };
        HostcallDispatcher d = new HostcallDispatcher(broken, broken);
        box.write(1, FD_STDOUT, utf8("lost"));
        box.segment.set(GuestMailbox.U64, OFF_RESULT, 99);
        assertInstanceOf(HostcallOutcome.Resume.class,
                d.onDoorbell(box.segment, REQUEST_DOORBELL_PORT, 4, 1));
        assertEquals(STATUS_EIO, box.u32(OFF_STATUS));
        assertEquals(0, box.u64(OFF_RESULT));
        assertEquals(2, d.expectedSequence());
    }
}
