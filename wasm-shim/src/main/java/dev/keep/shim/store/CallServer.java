package dev.keep.shim.store;

import static dev.keep.shim.abi.HostcallAbi.*;

import dev.keep.shim.abi.GuestHostcalls;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;

/**
 * A store keep's only ring-3 code of its own: AWAIT the next call, make it, AWAIT again with its
 * status (docs/hostcall-abi.md, "AWAIT"). Everything it calls (entry trampolines, compiled code,
 * import thunks) is code the host wrote into the keep's code arena.
 */
final class CallServer {
    /** Where the AWAIT reply goes: after the 8-byte request, 8-byte aligned. */
    static final int REPLY_OFFSET = HEADER_SIZE + 16;

    private CallServer() {
    }

    /**
     * Emits the loop; returns its entry label. RSP is 16-byte aligned at the entry.
     *
     * @param flushStdio sends what the last call's WASI writes left in the keep's stdio buffer
     */
    static Label emit(Assembler a, GuestHostcalls.Routines hostcalls, Label flushStdio) {
        Label entry = a.newLabel();
        Label await = a.newLabel();
        Label lying = a.newLabel();
        a.bind(entry);
        a.xor(Reg.EBX, Reg.EBX);                        // status of the previous call: none yet
        a.bind(await);
        a.call(flushStdio);
        a.mov(box(HEADER_SIZE), Reg.EBX);
        a.mov(Width.DWORD, box(HEADER_SIZE + 4), 0);
        a.mov(Width.DWORD, box(OFF_REQUEST_LENGTH), AWAIT_REQUEST_LENGTH);
        a.mov(Width.DWORD, box(OFF_OPCODE), OP_AWAIT);
        a.mov(Width.DWORD, box(OFF_REPLY_OFFSET), REPLY_OFFSET);
        a.mov(Width.DWORD, box(OFF_REPLY_CAPACITY), AWAIT_REPLY_LENGTH);
        a.call(hostcalls.ringPrepared());
        a.mov(Reg.EAX, box(OFF_STATUS));
        a.test(Reg.EAX, Reg.EAX);
        a.jcc(Cond.NE, lying);
        a.mov(Reg.RDI, box(REPLY_OFFSET + 8));          // context
        a.mov(Reg.RSI, box(REPLY_OFFSET + 16));         // values
        a.mov(Reg.RDX, box(REPLY_OFFSET + 24));         // function
        a.mov(Reg.RAX, box(REPLY_OFFSET));              // entry trampoline
        a.call(Reg.RAX);
        a.mov(Reg.EBX, Reg.EAX);
        a.jmp(await);
        a.bind(lying);
        a.ud2();                                        // AWAIT has no failure status
        return entry;
    }

    private static Mem box(int offset) {
        return Mem.abs((int) (MAILBOX_ADDRESS + offset));
    }
}
