package dev.keep.loader.hostcall;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.shim.abi.GuestHostcalls;
import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepImageBuilder;
import dev.keep.shim.image.KeepLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The in-keep hostcall routines ({@link GuestHostcalls}) and the host dispatcher talking to each
 * other for real: the keep's ring-3 code runs natively (see {@link UserModeKeep}) with the image's
 * user regions at their addresses and permissions. Also checks, from ring 3, that the image's
 * guards and supervisor-only pages really fault.
 */
class GuestHostcallsEndToEndTest {
    private static final int SIGILL = 4;
    private static final int SIGFPE = 8;
    private static final int SIGSEGV = 11;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Assembles main (given the routines) followed by the routines; entry at offset 0. */
    private static byte[] program(BiConsumer<Assembler, GuestHostcalls.Routines> main) {
        Assembler a = new Assembler(KeepLayout.USER_CODE_ADDRESS);
        Label start = a.newLabel();
        a.jmp(start);
        GuestHostcalls.Routines routines = GuestHostcalls.emit(a);
        a.bind(start);
        main.accept(a, routines);
        return a.finish();
    }

    private static void exitWith(Assembler a, GuestHostcalls.Routines r, int status) {
        a.mov(Reg.EDI, status);
        a.call(r.exit());
    }

    /** write(fd, [rip+text]) and exit 99 unless all bytes went through. */
    private static void writeText(Assembler a, GuestHostcalls.Routines r, int fd, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        Label data = a.newLabel();
        Label after = a.newLabel();
        Label ok = a.newLabel();
        a.mov(Reg.EDI, fd);
        a.lea(Reg.RSI, Mem.rip(data));
        a.mov(Reg.EDX, bytes.length);
        a.call(r.write());
        a.cmp(Reg.RAX, bytes.length);
        a.jcc(Cond.E, ok);
        exitWith(a, r, 99);
        a.bind(data);
        a.db(bytes);
        a.bind(ok);
        a.jmp(after);
        a.bind(after);
    }

    private UserModeKeep.Result run(KeepImage image, OutputStream stdout,
            UnaryOperator<MemorySegment> tamper) throws Exception {
        return UserModeKeep.run(image, new HostcallDispatcher(stdout, err), tamper::apply);
    }

    private UserModeKeep.Result run(KeepImageBuilder builder) throws Exception {
        return run(builder.build(), out, m -> m);
    }

    @Test
    void helloThroughHostcallsThenExit() throws Exception {
        UserModeKeep.Result result = run(KeepImage.builder().code(program((a, r) -> {
            writeText(a, r, 1, "hello from ring 3\n");
            writeText(a, r, 2, "and to stderr\n");
            exitWith(a, r, 3);
        }), 0));
        assertNull(result.fault());
        assertEquals(new HostcallOutcome.Exited(3), result.outcome());
        assertEquals("hello from ring 3\n", out.toString(StandardCharsets.UTF_8));
        assertEquals("and to stderr\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void longWritesAreSplitIntoMailboxSizedRequests() throws Exception {
        byte[] data = new byte[100_000];
        new Random(7).nextBytes(data);
        HostcallDispatcher host = new HostcallDispatcher(out, err);
        KeepImage image = KeepImage.builder().code(program((a, r) -> {
            Label bad = a.newLabel();
            a.mov(Reg.EDI, 1);
            a.mov(Reg.ESI, (int) KeepLayout.USER_DATA_ADDRESS);
            a.mov(Reg.EDX, data.length);
            a.call(r.write());
            a.cmp(Reg.RAX, data.length);
            a.jcc(Cond.NE, bad);
            exitWith(a, r, 0);
            a.bind(bad);
            exitWith(a, r, 1);
        }), 0).data(data, data.length).build();
        UserModeKeep.Result result = UserModeKeep.run(image, host, m -> { });
        assertEquals(new HostcallOutcome.Exited(0), result.outcome());
        assertArrayEquals(data, out.toByteArray());
        // Two WRITE requests (65464 + 34536 bytes), then EXIT with sequence 3.
        assertEquals(3, host.expectedSequence());
        assertTrue(GuestHostcalls.MAX_WRITE_CHUNK < data.length);
    }

    @Test
    void aFailingHostStreamReachesTheGuestAsEio() throws Exception {
        OutputStream broken = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("closed");
            }
        };
        KeepImage image = KeepImage.builder().code(program((a, r) -> {
            Label data = a.newLabel();
            a.mov(Reg.EDI, 1);
            a.lea(Reg.RSI, Mem.rip(data));
            a.mov(Reg.EDX, 4);
            a.call(r.write());
            a.neg(Reg.RAX);                 // -EIO -> exit status 29
            a.mov(Reg.EDI, Reg.EAX);
            a.call(r.exit());
            a.bind(data);
            a.db(new byte[] {'l', 'o', 's', 't'});
        }), 0).build();
        assertEquals(new HostcallOutcome.Exited(HostcallAbi.STATUS_EIO),
                run(image, broken, m -> m).outcome());
    }

    @Test
    void aLyingHostStopsTheKeepInsteadOfBeingBelieved() throws Exception {
        KeepImage image = KeepImage.builder().code(program((a, r) -> {
            writeText(a, r, 1, "x");
            exitWith(a, r, 0);
        }), 0).build();
        UserModeKeep.Result result = run(image, out, m -> {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                    HostcallAbi.OFF_RESULT, 1L << 40);
            return m;
        });
        assertTrue(result.fault().startsWith("F " + SIGILL + " "), result.fault());
    }

    private static long faultAddress(UserModeKeep.Result result, int signal) {
        assertTrue(result.fault() != null && result.fault().startsWith("F " + signal + " "),
                String.valueOf(result.fault()) + " / " + result.outcome());
        return Long.parseUnsignedLong(result.fault().split(" ")[3], 16);
    }

    @Test
    void linearMemoryEndsInUnmappedSpace() throws Exception {
        long committed = 65536;
        UserModeKeep.Result result = run(KeepImage.builder().linearMemory(committed)
                .code(program((a, r) -> {
                    a.movabs(Reg.RAX, KeepLayout.LINEAR_MEMORY_ADDRESS + committed - 1);
                    a.mov(Width.BYTE, Mem.base(Reg.RAX), 1);   // last committed byte: fine
                    a.mov(Width.BYTE, Mem.base(Reg.RAX).disp(1), 1);
                    exitWith(a, r, 0);
                }), 0));
        assertEquals(KeepLayout.LINEAR_MEMORY_ADDRESS + committed, faultAddress(result, SIGSEGV));
    }

    @Test
    void stackOverflowHitsTheGuardPage() throws Exception {
        UserModeKeep.Result result = run(KeepImage.builder().stackSize(64 * 1024)
                .code(program((a, r) -> {
                    Label recurse = a.newLabel();
                    a.bind(recurse);
                    a.call(recurse);
                }), 0));
        long address = faultAddress(result, SIGSEGV);
        assertEquals(KeepLayout.USER_STACK_TOP - 64 * 1024 - 8, address);
    }

    @Test
    void supervisorPagesAndDeniedPortsFaultFromRingThree() throws Exception {
        UserModeKeep.Result record = run(KeepImage.builder().code(program((a, r) -> {
            a.mov(Reg.RAX, Mem.abs((int) HostcallAbi.FAULT_RECORD_ADDRESS));
            exitWith(a, r, 0);
        }), 0));
        assertEquals(HostcallAbi.FAULT_RECORD_ADDRESS, faultAddress(record, SIGSEGV));
        UserModeKeep.Result port = run(KeepImage.builder().code(program((a, r) -> {
            a.out(HostcallAbi.FAULT_DOORBELL_PORT, Reg.EAX);
            exitWith(a, r, 0);
        }), 0));
        assertEquals(0, faultAddress(port, SIGSEGV), "#GP, not a page fault");
        UserModeKeep.Result divide = run(KeepImage.builder().code(program((a, r) -> {
            a.xor(Reg.ECX, Reg.ECX);
            a.div(Reg.ECX);
            exitWith(a, r, 0);
        }), 0));
        assertTrue(divide.fault().startsWith("F " + SIGFPE + " "), divide.fault());
    }
}
