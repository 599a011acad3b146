package dev.keep.loader.kvm;

import static dev.keep.shim.abi.HostcallAbi.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.kvm.VcpuExit;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.MemoryChunk;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Plays guest and kernel: guest memory is the real image loaded into a buffer, the guest's
 * stores are done by hand at the ABI's addresses, and exits are built as KVM would report them.
 */
class KeepExitHandlerTest {
    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment memory;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final KeepExitHandler handler;

    KeepExitHandlerTest() {
        KeepImage image = KeepImage.builder().code(new byte[] {(byte) 0xF4}, 0).build();
        memory = Arena.ofAuto().allocate(image.memorySize(), 4096);
        for (MemoryChunk chunk : image.chunks()) {
            MemorySegment.copy(chunk.bytes(), 0, memory, ValueLayout.JAVA_BYTE, chunk.address(),
                    chunk.bytes().length);
        }
        handler = new KeepExitHandler(memory, new HostcallDispatcher(out, err));
    }

    private void guestRequest(long sequence, int opcode, byte[] request) {
        long box = MAILBOX_ADDRESS;
        memory.set(U32, box + OFF_MAGIC, MAILBOX_MAGIC);
        memory.set(U32, box + OFF_VERSION, VERSION);
        memory.set(U64, box + OFF_SEQUENCE, sequence);
        memory.set(U32, box + OFF_OPCODE, opcode);
        memory.set(U32, box + OFF_REQUEST_OFFSET, HEADER_SIZE);
        memory.set(U32, box + OFF_REQUEST_LENGTH, request.length);
        MemorySegment.copy(request, 0, memory, ValueLayout.JAVA_BYTE, box + HEADER_SIZE,
                request.length);
    }

    private static byte[] writeRequest(int fd, String text) {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        byte[] request = new byte[WRITE_OFF_DATA + data.length];
        request[WRITE_OFF_FD] = (byte) fd;
        System.arraycopy(data, 0, request, WRITE_OFF_DATA, data.length);
        return request;
    }

    private static VcpuExit.IoOut doorbell(int port, long value) {
        return new VcpuExit.IoOut(port, 4, new byte[] {(byte) value, (byte) (value >> 8),
            (byte) (value >> 16), (byte) (value >> 24)});
    }

    @Test
    void helloThroughAHostcallThenExit() {
        guestRequest(1, OP_WRITE, writeRequest(FD_STDOUT, "hello from a keep\n"));
        assertEquals(Optional.empty(), handler.handle(doorbell(REQUEST_DOORBELL_PORT, 1)));
        assertEquals("hello from a keep\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(STATUS_OK, memory.get(U32, MAILBOX_ADDRESS + OFF_STATUS));
        assertEquals(18, memory.get(U64, MAILBOX_ADDRESS + OFF_RESULT));
        guestRequest(2, OP_EXIT, new byte[] {7, 0, 0, 0});
        assertEquals(Optional.of(new KeepOutcome.Exited(7)),
                handler.handle(doorbell(REQUEST_DOORBELL_PORT, 2)));
    }

    @Test
    void garbageHostcallsEndTheKeepWithAMessage() {
        memory.asSlice(MAILBOX_ADDRESS, 64).fill((byte) 0x5A);
        var t = assertInstanceOf(KeepOutcome.Terminated.class,
                handler.handle(doorbell(REQUEST_DOORBELL_PORT, 1)).orElseThrow());
        assertEquals("invalid hostcall: magic is 0x5a5a5a5a, expected 0x58424d4b", t.message());
        assertEquals(0, out.size());
    }

    @Test
    void aStringInstructionOnTheDoorbellIsRefused() {
        guestRequest(1, OP_EXIT, new byte[4]);
        var t = assertInstanceOf(KeepOutcome.Terminated.class, handler.handle(
                new VcpuExit.IoOut(REQUEST_DOORBELL_PORT, 4, new byte[8])).orElseThrow());
        assertTrue(t.message().contains("2 accesses"), t.message());
    }

    @Test
    void theFaultDoorbellBecomesACleanFaultReport() {
        // What the ring-0 stub stores for `div` by zero at 0x200004 in ring 3.
        long rec = FAULT_RECORD_ADDRESS;
        memory.set(U64, rec + FAULT_OFF_VECTOR, 0);
        memory.set(U64, rec + FAULT_OFF_RIP, 0x200004);
        memory.set(U64, rec + FAULT_OFF_CS, 0x33);
        memory.set(U64, rec + FAULT_OFF_COUNT, 1);
        var f = assertInstanceOf(KeepOutcome.Faulted.class,
                handler.handle(doorbell(FAULT_DOORBELL_PORT, 0)).orElseThrow());
        assertEquals("keep faulted: #DE divide error (vector 0) at rip 0x200004, error code 0x0",
                f.describe());
    }

    @Test
    void aFaultDoorbellWithoutARecordIsNotBelieved() {
        var t = assertInstanceOf(KeepOutcome.Terminated.class,
                handler.handle(doorbell(FAULT_DOORBELL_PORT, 14)).orElseThrow());
        assertTrue(t.message().startsWith("keep faulted, but fault record is inconsistent"),
                t.message());
    }

    @Test
    void everyOtherExitEndsTheKeepWithOneLine() {
        List<VcpuExit> exits = List.of(
                doorbell(0x3F8, 0),
                new VcpuExit.IoIn(REQUEST_DOORBELL_PORT, 4, 1, Arena.ofAuto().allocate(4)),
                new VcpuExit.MmioRead(0xFEE00000L, Arena.ofAuto().allocate(8)),
                new VcpuExit.MmioWrite(0x1_0000_0000L, new byte[4]),
                new VcpuExit.Hlt(),
                new VcpuExit.Shutdown(),
                new VcpuExit.InternalError(1, List.of()),
                new VcpuExit.FailEntry(0x80000021L, 0),
                new VcpuExit.Unknown(0x7b));
        List<String> expected = List.of(
                "keep wrote to I/O port 0x3f8, which it was never given",
                "keep read from I/O port 0xe0, which it was never given",
                "keep read unbacked guest-physical address 0xfee00000",
                "keep wrote unbacked guest-physical address 0x100000000",
                "keep halted without reporting a fault or exiting",
                "keep triple-faulted (KVM_EXIT_SHUTDOWN)",
                "KVM could not run a keep instruction (internal error, suberror 1)",
                "KVM refused to enter the keep (hardware reason 0x80000021)",
                "unexpected vCPU exit: Unknown[hardwareExitReason=123]");
        for (int i = 0; i < exits.size(); i++) {
            var t = assertInstanceOf(KeepOutcome.Terminated.class,
                    handler.handle(exits.get(i)).orElseThrow());
            assertEquals(expected.get(i), t.message());
        }
        assertEquals(Optional.empty(), handler.handle(new VcpuExit.Intr()));
    }

    @Test
    void memoryTooSmallForTheAbiIsRefusedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> new KeepExitHandler(
                Arena.ofAuto().allocate(4096), new HostcallDispatcher(out, err)));
    }
}
