package dev.keep.shim.link;

import dev.keep.shim.abi.GuestHostcalls;
import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;

/**
 * The keep's private output buffer for fd 1 and 2. Every hostcall is a VM exit (tens of
 * microseconds), so fd_write to stdout or stderr appends here and the bytes leave in one WRITE
 * when the buffer would overflow, when the app switches between stdout and stderr (which keeps
 * their relative order), and before any other hostcall the runtime makes: forwarded WASI calls
 * (stdin reads, poll_oneoff, clocks, files), EXIT, and the trap line. The buffer lives in the
 * runtime's data region, which the host cannot read, so nothing becomes visible earlier than it
 * would have without buffering.
 *
 * <p>Layout in the data region: the buffered fd (u32), the buffered byte count (u64), then
 * {@link #CAPACITY} bytes. The {@code flush} routine: no arguments; RAX = 0 when the buffer is
 * empty or all of it went out, -EIO when the host failed or took only part of it (the bytes are
 * dropped either way: the buffer is empty afterwards). Clobbers what the hostcall routines
 * clobber (RAX, RCX, RDX, RSI, RDI, R8..R11); needs no stack alignment.
 */
final class StdioBuffer {
    /** Bytes held before a flush; one WRITE request carries all of them. */
    static final int CAPACITY = Math.min(16 << 10, GuestHostcalls.MAX_WRITE_CHUNK);

    /** Address of the u32 fd the buffered bytes belong to (1 or 2; 0 before the first write). */
    final long fdAddress;
    /** Address of the u64 count of buffered bytes. */
    final long lengthAddress;
    /** Address of the first buffered byte. */
    final long bytesAddress;
    /** Entry of the flush routine. */
    final Label flush;

    private StdioBuffer(long fdAddress, long lengthAddress, long bytesAddress, Label flush) {
        this.fdAddress = fdAddress;
        this.lengthAddress = lengthAddress;
        this.bytesAddress = bytesAddress;
        this.flush = flush;
    }

    /** Reserves the buffer in {@code data} and emits the flush routine at the current position. */
    static StdioBuffer emit(Assembler a, DataRegion data, GuestHostcalls.Routines hostcalls) {
        long header = data.reserve(16, 16);
        long bytes = data.reserve(CAPACITY, 16);
        StdioBuffer buffer = new StdioBuffer(header, header + 8, bytes, a.newLabel());
        buffer.emitFlush(a, hostcalls);
        return buffer;
    }

    Mem fd() {
        return Mem.abs(Math.toIntExact(fdAddress));
    }

    Mem length() {
        return Mem.abs(Math.toIntExact(lengthAddress));
    }

    private void emitFlush(Assembler a, GuestHostcalls.Routines hostcalls) {
        Label empty = a.newLabel();
        Label failed = a.newLabel();
        a.align(16);
        a.bind(flush);
        a.mov(Reg.RDX, length());
        a.test(Reg.RDX, Reg.RDX);
        a.jcc(Cond.E, empty);
        // Emptied first: whatever the host answers, these bytes are not sent twice.
        a.mov(Width.QWORD, length(), 0);
        a.mov(Reg.EDI, fd());
        a.mov(Reg.ESI, Math.toIntExact(bytesAddress));
        a.push(Reg.RBX);
        a.mov(Reg.RBX, Reg.RDX);
        a.call(hostcalls.write());
        a.cmp(Reg.RAX, Reg.RBX);
        a.pop(Reg.RBX);
        a.jcc(Cond.NE, failed);              // an error (negative) or a short write
        a.bind(empty);
        a.xor(Reg.EAX, Reg.EAX);
        a.ret();
        a.bind(failed);
        a.mov(Reg.RAX, -HostcallAbi.STATUS_EIO);
        a.ret();
    }

    /** Calls flush from a routine whose RDI and RSI (context and slots) are still needed. */
    void flushKeepingArguments(Assembler a) {
        a.push(Reg.RDI);
        a.push(Reg.RSI);
        a.call(flush);
        a.pop(Reg.RSI);
        a.pop(Reg.RDI);
    }
}
