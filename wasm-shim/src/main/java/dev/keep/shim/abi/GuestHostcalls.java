package dev.keep.shim.abi;

import static dev.keep.shim.abi.HostcallAbi.*;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;

/**
 * The in-keep side of the hostcall ABI (docs/hostcall-abi.md): ring-3 routines that fill the
 * mailbox, ring the request doorbell and check the host's reply. They are emitted once into the
 * runtime's code and reached with {@code call}. They keep the sequence number in the mailbox
 * header itself (the host never writes that field), so they need no writable data of their own.
 *
 * <p>Calling convention: System V argument registers; RAX, RCX, RDX, RSI, RDI and R8..R11 are
 * clobbered; the stack needs no alignment (the routines call nothing but themselves).
 *
 * <ul>
 *   <li>{@code write}: EDI = fd, RSI = buffer, RDX = length. Splits the buffer into requests of at
 *       most {@link #MAX_WRITE_CHUNK} bytes. Returns RAX = bytes written, or -errno (a WASI errno)
 *       when the first request fails; a short or failed later request ends the loop with the
 *       count so far.
 *   <li>{@code exit}: EDI = status (0..255). Does not return.
 *   <li>{@code ringPrepared}: rings for a request whose payload and opcode, request length, reply
 *       offset and reply capacity the caller already wrote; fills in the rest of the header.
 *       Clobbers RAX only. The caller checks the reply ({@code OP_WASI} uses it).
 * </ul>
 *
 * A reply the ABI does not allow (unknown status, more bytes than requested) means the host is
 * lying; the routine executes {@code ud2}, so the keep stops with a fault instead of continuing
 * on bad data.
 */
public final class GuestHostcalls {
    private GuestHostcalls() {
    }

    /** Most bytes one WRITE request carries. */
    public static final int MAX_WRITE_CHUNK = PAYLOAD_SIZE - WRITE_OFF_DATA;

    /** Entry labels of the emitted routines. */
    public record Routines(Label write, Label exit, Label ringPrepared) {
    }

    /** Emits the routines at the current position of {@code a}. */
    public static Routines emit(Assembler a) {
        Label ring = a.newLabel();
        Label ringPrepared = a.newLabel();
        Label write = a.newLabel();
        Label exit = a.newLabel();
        emitRing(a, ring, ringPrepared);
        emitWrite(a, write, ring);
        emitExit(a, exit, ring);
        return new Routines(write, exit, ringPrepared);
    }

    private static Mem box(int offset) {
        return Mem.abs((int) (MAILBOX_ADDRESS + offset));
    }

    /**
     * Completes the header (opcode and request length are set by the caller) and rings. {@code
     * ring} is for requests without a reply payload; {@code ringPrepared} leaves the reply range
     * the caller set.
     */
    private static void emitRing(Assembler a, Label ring, Label ringPrepared) {
        a.bind(ring);
        a.mov(Width.DWORD, box(OFF_REPLY_OFFSET), 0);
        a.mov(Width.DWORD, box(OFF_REPLY_CAPACITY), 0);
        a.bind(ringPrepared);
        a.mov(Width.DWORD, box(OFF_MAGIC), MAILBOX_MAGIC);
        a.mov(Width.DWORD, box(OFF_VERSION), VERSION);
        a.mov(Width.DWORD, box(OFF_FLAGS), 0);
        a.mov(Width.DWORD, box(OFF_REQUEST_OFFSET), HEADER_SIZE);
        a.mov(Width.QWORD, box(OFF_RESERVED), 0);
        a.mov(Reg.RAX, box(OFF_SEQUENCE));
        a.add(Reg.RAX, 1);
        a.mov(box(OFF_SEQUENCE), Reg.RAX);
        // EAX = low half of the sequence number, as the doorbell rule says.
        a.out(REQUEST_DOORBELL_PORT, Reg.EAX);
        a.ret();
    }

    private static void emitWrite(Assembler a, Label write, Label ring) {
        Label loop = a.newLabel();
        Label fits = a.newLabel();
        Label done = a.newLabel();
        Label failed = a.newLabel();
        Label lying = a.newLabel();
        a.bind(write);
        a.mov(Reg.R8, Reg.RSI);            // next source byte
        a.mov(Reg.R9, Reg.RDX);            // bytes left
        a.xor(Reg.R10D, Reg.R10D);         // bytes written so far
        a.mov(Reg.R11D, Reg.EDI);          // fd
        a.bind(loop);
        a.test(Reg.R9, Reg.R9);
        a.jcc(Cond.E, done);
        a.mov(Reg.RCX, Reg.R9);
        a.cmp(Reg.RCX, MAX_WRITE_CHUNK);
        a.jcc(Cond.BE, fits);
        a.mov(Reg.ECX, MAX_WRITE_CHUNK);
        a.bind(fits);
        a.mov(box(HEADER_SIZE + WRITE_OFF_FD), Reg.R11D);
        a.mov(Width.DWORD, box(HEADER_SIZE + WRITE_OFF_RESERVED), 0);
        a.mov(Reg.RDX, Reg.RCX);           // this chunk's length, kept for the reply check
        a.lea(Reg.EAX, Mem.base(Reg.RCX).disp(WRITE_OFF_DATA));
        a.mov(box(OFF_REQUEST_LENGTH), Reg.EAX);
        a.mov(Width.DWORD, box(OFF_OPCODE), OP_WRITE);
        a.mov(Reg.RSI, Reg.R8);
        a.mov(Reg.EDI, (int) (MAILBOX_ADDRESS + HEADER_SIZE + WRITE_OFF_DATA));
        // rep movsb: ring 3 runs natively, so string instructions are fine here (the assembler
        // offers none because ring-0 code must never use them).
        a.db(new byte[] {(byte) 0xF3, (byte) 0xA4});
        a.call(ring);
        a.mov(Reg.EAX, box(OFF_STATUS));
        a.test(Reg.EAX, Reg.EAX);
        a.jcc(Cond.NE, failed);
        a.mov(Reg.RAX, box(OFF_RESULT));
        a.cmp(Reg.RAX, Reg.RDX);
        a.jcc(Cond.A, lying);              // more than asked for: the host is lying
        a.add(Reg.R10, Reg.RAX);
        a.add(Reg.R8, Reg.RAX);
        a.sub(Reg.R9, Reg.RAX);
        a.cmp(Reg.RAX, Reg.RDX);
        a.jcc(Cond.E, loop);               // a short write ends the loop
        a.bind(done);
        a.mov(Reg.RAX, Reg.R10);
        a.ret();
        a.bind(failed);
        a.cmp(Reg.EAX, STATUS_EIO);
        a.jcc(Cond.NE, lying);             // no other status exists for WRITE
        a.test(Reg.R10, Reg.R10);
        a.jcc(Cond.NE, done);              // report the bytes that did get through
        a.mov(Reg.RAX, -STATUS_EIO);
        a.ret();
        a.bind(lying);
        a.ud2();
    }

    private static void emitExit(Assembler a, Label exit, Label ring) {
        a.bind(exit);
        a.mov(box(HEADER_SIZE), Reg.EDI);
        a.mov(Width.DWORD, box(OFF_REQUEST_LENGTH), EXIT_REQUEST_LENGTH);
        a.mov(Width.DWORD, box(OFF_OPCODE), OP_EXIT);
        a.call(ring);
        a.ud2();                           // the host never resumes a keep after EXIT
    }
}
