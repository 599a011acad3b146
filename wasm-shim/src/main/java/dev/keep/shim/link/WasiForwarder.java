package dev.keep.shim.link;

import static dev.keep.shim.abi.HostcallAbi.*;

import dev.keep.shim.abi.GuestHostcalls;
import dev.keep.shim.abi.WasiCall;
import dev.keep.shim.abi.WasiCall.Param;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;
import dev.keep.shim.compiler.ContextLayout;
import java.util.List;

/**
 * Emits the in-keep body of one WASI call the host serves ({@link WasiCall}, {@code OP_WASI}),
 * straight-line code generated from the call's parameter shape. Three passes:
 *
 * <ol>
 *   <li>check every pointer and length against the current linear memory size (64-bit sums, so
 *       nothing wraps), iovec arrays and each iovec included: EFAULT before anything is sent;
 *       a path longer than {@code WASI_MAX_PATH} is ENAMETOOLONG;
 *   <li>build the request in the mailbox: scalar slots, path bytes, gathered iovec bytes (at most
 *       {@code WASI_MAX_TRANSFER}, so a long write becomes a short one), the byte counts the keep
 *       can take back, and the reply range right after the request;
 *   <li>after the doorbell, check the reply before anything reaches linear memory: the status
 *       must be a WASI errno, the result no larger than what was asked for, and the reply length
 *       exactly the fixed outputs plus the result. A host that breaks this gets {@code ud2}: the
 *       keep stops with a fault rather than continue on data it cannot trust. Only then are the
 *       outputs copied to the app's pointers.
 * </ol>
 *
 * Every body first flushes the keep's buffered stdout/stderr ({@link StdioBuffer}).
 *
 * <p>Entered as a host function ({@code RDI} = context, {@code RSI} = slots); saves the callee-saved
 * registers it uses. Lengths and counts read once into registers are the ones used for copying,
 * so a host rewriting the shared mailbox during the copy changes bytes, never bounds.
 */
final class WasiForwarder {
    private static final int ERRNO_FAULT = 21;
    private static final int ERRNO_NAMETOOLONG = 37;
    private static final int ERRNO_INVAL = 28;
    private static final int CLOCK_MONOTONIC = 1;
    private static final int REQUEST = (int) (MAILBOX_ADDRESS + HEADER_SIZE);

    // Fixed roles while a body runs.
    private static final Gpr SLOTS = Reg.R12;
    private static final Gpr BASE = Reg.R9;
    private static final Gpr SIZE = Reg.R10;
    /** Bytes the keep can take back in the reply's variable part. */
    private static final Gpr CAPACITY = Reg.R13;
    /** Bytes gathered into the request. */
    private static final Gpr GATHERED = Reg.R14;
    /** Absolute address of the reply payload. */
    private static final Gpr REPLY = Reg.R15;

    private final Assembler a;
    private final WasiCall call;
    private final int slots;
    private final long monotonicFloor;

    private WasiForwarder(Assembler a, WasiCall call, long monotonicFloor, int slots) {
        this.a = a;
        this.call = call;
        this.slots = slots;
        this.monotonicFloor = monotonicFloor;
    }

    /**
     * Emits the body at the current position.
     *
     * @param monotonicFloor address of a u64 holding the largest monotonic time handed out, so a
     *     host whose monotonic clock goes backwards cannot make the app's go backwards
     */
    static void emit(Assembler a, GuestHostcalls.Routines hostcalls, StdioBuffer stdio,
            WasiCall call, long monotonicFloor) {
        new WasiForwarder(a, call, monotonicFloor, Math.max(1, call.params.size()))
                .body(hostcalls, stdio);
    }

    private Mem slot(int j) {
        return Mem.base(SLOTS).disp(8 * (slots - 1 - j));
    }

    private static Mem box(int offset) {
        return Mem.abs((int) (MAILBOX_ADDRESS + offset));
    }

    private static Mem arg(int j) {
        return Mem.abs(REQUEST + WASI_OFF_ARGS + 8 * j);
    }

    private void body(GuestHostcalls.Routines hostcalls, StdioBuffer stdio) {
        Label fault = a.newLabel();
        Label tooLong = a.newLabel();
        Label inval = a.newLabel();
        Label lying = a.newLabel();
        Label result = a.newLabel();
        // Buffered stdout/stderr goes out first, so the host sees it before this call (a prompt
        // before the stdin read, output before a poll or a clock); a flush error is not this
        // call's (it is lost, as a write error after buffering is; see StdioBuffer).
        stdio.flushKeepingArguments(a);
        CalleeSaved.push(a);
        a.mov(SLOTS, Reg.RSI);
        a.mov(Reg.R8, Mem.base(Reg.RDI).disp(ContextLayout.MEMORY));
        a.mov(BASE, Mem.base(Reg.R8).disp(ContextLayout.MEMORY_BASE));
        a.mov(SIZE, Mem.base(Reg.R8).disp(ContextLayout.MEMORY_BYTES));
        checkPointers(fault, tooLong, inval);
        buildRequest();
        a.mov(Width.DWORD, box(OFF_OPCODE), OP_WASI);
        a.call(hostcalls.ringPrepared());
        checkReply(lying, result);
        copyOut();
        if (call == WasiCall.CLOCK_TIME_GET) {
            keepMonotonic();
        }
        a.xor(Reg.EAX, Reg.EAX);
        a.bind(result);
        a.mov(slot(0), Reg.RAX);
        CalleeSaved.pop(a);
        a.xor(Reg.EAX, Reg.EAX);
        a.ret();
        a.bind(fault);
        a.mov(Reg.EAX, ERRNO_FAULT);
        a.jmp(result);
        a.bind(tooLong);
        a.mov(Reg.EAX, ERRNO_NAMETOOLONG);
        a.jmp(result);
        a.bind(inval);
        a.mov(Reg.EAX, ERRNO_INVAL);
        a.jmp(result);
        a.bind(lying);
        a.ud2();
    }

    /** Jumps to {@code fail} unless RAX + {@code length} <= memory size. */
    private void checkEnd(Gpr length, Label fail) {
        a.lea(Reg.R11, Mem.base(Reg.RAX, length, 1));
        a.cmp(Reg.R11, SIZE);
        a.jcc(Cond.A, fail);
    }

    /** RCX = the subscription count (zero-extended) times {@code recordBytes}. */
    private void recordBytes(int recordBytes) {
        a.mov(Reg.ECX, slot(call.params.indexOf(Param.SUBSCRIPTIONS_COUNT)));
        a.shl(Reg.RCX, Integer.numberOfTrailingZeros(recordBytes / (recordBytes % 3 == 0 ? 3 : 1)));
        if (recordBytes % 3 == 0) {
            a.lea(Reg.RCX, Mem.base(Reg.RCX, Reg.RCX, 2));
        }
    }

    private void checkPointers(Label fault, Label tooLong, Label inval) {
        List<Param> params = call.params;
        for (int j = 0; j < params.size(); j++) {
            Param p = params.get(j);
            switch (p) {
                case PATH_PTR, BUF_PTR -> {
                    a.mov(Reg.EAX, slot(j));
                    a.mov(Reg.ECX, slot(j + 1));
                    if (p == Param.PATH_PTR) {
                        a.cmp(Reg.RCX, WASI_MAX_PATH);
                        a.jcc(Cond.A, tooLong);
                    }
                    checkEnd(Reg.RCX, fault);
                }
                case OUT_U16, OUT_U32, OUT_U64, OUT_PRESTAT, OUT_FDSTAT, OUT_FILESTAT, COUNT -> {
                    a.mov(Reg.EAX, slot(j));
                    a.lea(Reg.R11, Mem.base(Reg.RAX).disp(p == Param.COUNT ? 4 : p.fixedBytes));
                    a.cmp(Reg.R11, SIZE);
                    a.jcc(Cond.A, fault);
                }
                case GATHER_PTR, SCATTER_PTR -> checkIovecs(j, fault);
                case SUBSCRIPTIONS_COUNT -> {
                    a.mov(Reg.ECX, slot(j));
                    a.test(Reg.ECX, Reg.ECX);
                    a.jcc(Cond.E, inval);
                    a.cmp(Reg.ECX, WASI_MAX_SUBSCRIPTIONS);
                    a.jcc(Cond.A, inval);
                }
                case SUBSCRIPTIONS_PTR, EVENTS_PTR -> {
                    // The count is checked first (SUBSCRIPTIONS_COUNT comes later in the list).
                    a.mov(Reg.ECX, slot(call.params.indexOf(Param.SUBSCRIPTIONS_COUNT)));
                    a.test(Reg.ECX, Reg.ECX);
                    a.jcc(Cond.E, inval);
                    a.cmp(Reg.ECX, WASI_MAX_SUBSCRIPTIONS);
                    a.jcc(Cond.A, inval);
                    recordBytes(p == Param.SUBSCRIPTIONS_PTR ? Param.SUBSCRIPTION_BYTES
                            : Param.EVENT_BYTES);
                    a.mov(Reg.EAX, slot(j));
                    checkEnd(Reg.RCX, fault);
                }
                case EVENT_COUNT -> {
                    a.mov(Reg.EAX, slot(j));
                    a.lea(Reg.R11, Mem.base(Reg.RAX).disp(4));
                    a.cmp(Reg.R11, SIZE);
                    a.jcc(Cond.A, fault);
                }
                default -> {
                }
            }
        }
    }

    /** The iovec array at slot j (count at j+1) and every buffer it names lie in memory. */
    private void checkIovecs(int j, Label fault) {
        Label scan = a.newLabel();
        Label done = a.newLabel();
        a.mov(Reg.EAX, slot(j));
        a.mov(Reg.ECX, slot(j + 1));
        a.lea(Reg.R11, Mem.base(Reg.RAX, Reg.RCX, 8));     // < 2^36: cannot wrap
        a.cmp(Reg.R11, SIZE);
        a.jcc(Cond.A, fault);
        a.bind(scan);
        a.test(Reg.ECX, Reg.ECX);
        a.jcc(Cond.E, done);
        a.mov(Reg.EDX, Mem.base(BASE, Reg.RAX, 1));        // buf
        a.mov(Reg.R11D, Mem.base(BASE, Reg.RAX, 1).disp(4)); // len
        a.add(Reg.R11, Reg.RDX);
        a.cmp(Reg.R11, SIZE);
        a.jcc(Cond.A, fault);
        a.add(Reg.RAX, 8);
        a.dec(Reg.ECX);
        a.jmp(scan);
        a.bind(done);
    }

    /** Fills the request; RDI is the cursor over the input bytes throughout. */
    private void buildRequest() {
        List<Param> params = call.params;
        a.mov(Width.DWORD, Mem.abs(REQUEST + WASI_OFF_CALL), call.id);
        a.mov(Width.DWORD, Mem.abs(REQUEST + WASI_OFF_RESERVED), 0);
        for (int k = 0; k < WASI_MAX_ARGS; k++) {
            a.mov(Width.QWORD, arg(k), 0);
        }
        a.xor(Reg.R13D, Reg.R13D);
        a.xor(Reg.R14D, Reg.R14D);
        a.mov(Reg.EDI, REQUEST + WASI_OFF_DATA);
        for (int j = 0; j < params.size(); j++) {
            switch (params.get(j)) {
                case U32, PATH_LEN -> {
                    a.mov(Reg.EAX, slot(j));
                    a.mov(arg(j), Reg.RAX);
                }
                case U64 -> {
                    a.mov(Reg.RAX, slot(j));
                    a.mov(arg(j), Reg.RAX);
                }
                case PATH_PTR -> {
                    a.mov(Reg.ESI, slot(j));
                    a.add(Reg.RSI, BASE);
                    a.mov(Reg.ECX, slot(j + 1));
                    a.repMovsb();
                }
                case BUF_LEN -> {
                    a.mov(Reg.R13D, slot(j));
                    clampToTransfer(CAPACITY);
                    a.mov(arg(j), CAPACITY);
                }
                case SCATTER_LEN -> {
                    sumIovecLengths(j - 1);
                    clampToTransfer(CAPACITY);
                    a.mov(arg(j), CAPACITY);
                }
                case GATHER_LEN -> {
                    gather(j - 1);
                    a.mov(arg(j), GATHERED);
                }
                case SUBSCRIPTIONS_PTR -> {
                    a.mov(Reg.ESI, slot(j));
                    a.add(Reg.RSI, BASE);
                    recordBytes(Param.SUBSCRIPTION_BYTES);
                    a.repMovsb();
                }
                case SUBSCRIPTIONS_COUNT -> {
                    a.mov(Reg.EAX, slot(j));
                    a.mov(arg(j), Reg.RAX);
                    recordBytes(Param.EVENT_BYTES);
                    a.mov(CAPACITY, Reg.RCX);
                }
                default -> {
                }
            }
        }
        a.mov(Reg.RAX, Reg.RDI);
        a.sub(Reg.RAX, REQUEST);
        a.mov(box(OFF_REQUEST_LENGTH), Reg.EAX);
        a.lea(REPLY, Mem.base(Reg.RDI).disp(7));
        a.and(REPLY, -8);
        a.mov(Reg.RAX, REPLY);
        a.sub(Reg.RAX, (int) MAILBOX_ADDRESS);
        a.mov(box(OFF_REPLY_OFFSET), Reg.EAX);
        a.mov(Reg.ECX, MAILBOX_SIZE);
        a.sub(Reg.ECX, Reg.EAX);
        a.mov(box(OFF_REPLY_CAPACITY), Reg.ECX);
    }

    private void clampToTransfer(Gpr value) {
        a.mov(Reg.EAX, WASI_MAX_TRANSFER);
        a.cmp(value, Reg.RAX);
        a.cmovcc(Cond.A, value, Reg.RAX);
    }

    /** CAPACITY = the sum of the lengths of the iovecs at slot j (count at j+1). */
    private void sumIovecLengths(int j) {
        Label loop = a.newLabel();
        Label done = a.newLabel();
        a.mov(Reg.EAX, slot(j));
        a.mov(Reg.ECX, slot(j + 1));
        a.bind(loop);
        a.test(Reg.ECX, Reg.ECX);
        a.jcc(Cond.E, done);
        a.mov(Reg.EDX, Mem.base(BASE, Reg.RAX, 1).disp(4));
        a.add(CAPACITY, Reg.RDX);
        a.add(Reg.RAX, 8);
        a.dec(Reg.ECX);
        a.jmp(loop);
        a.bind(done);
    }

    /** Copies the iovecs' bytes at slot j (count at j+1) to RDI, at most WASI_MAX_TRANSFER. */
    private void gather(int j) {
        Label loop = a.newLabel();
        Label done = a.newLabel();
        a.mov(Reg.EBX, slot(j));
        a.add(Reg.RBX, BASE);
        a.mov(Reg.EBP, slot(j + 1));
        a.bind(loop);
        a.test(Reg.EBP, Reg.EBP);
        a.jcc(Cond.E, done);
        a.cmp(GATHERED, WASI_MAX_TRANSFER);
        a.jcc(Cond.AE, done);
        a.mov(Reg.ESI, Mem.base(Reg.RBX));
        a.add(Reg.RSI, BASE);
        a.mov(Reg.ECX, Mem.base(Reg.RBX).disp(4));
        a.mov(Reg.EDX, WASI_MAX_TRANSFER);
        a.sub(Reg.RDX, GATHERED);
        a.cmp(Reg.RCX, Reg.RDX);
        a.cmovcc(Cond.A, Reg.RCX, Reg.RDX);
        a.add(GATHERED, Reg.RCX);
        a.repMovsb();
        a.add(Reg.RBX, 8);
        a.dec(Reg.EBP);
        a.jmp(loop);
        a.bind(done);
    }

    /** Status in EAX on a failure (then jumps to result); RDX = result when the call succeeded. */
    private void checkReply(Label lying, Label result) {
        Label ok = a.newLabel();
        a.mov(Reg.EAX, box(OFF_STATUS));
        a.test(Reg.EAX, Reg.EAX);
        a.jcc(Cond.E, ok);
        a.cmp(Reg.EAX, STATUS_MAX);
        a.jcc(Cond.A, lying);
        a.jmp(result);
        a.bind(ok);
        a.mov(Reg.RDX, box(OFF_RESULT));
        a.mov(Reg.ECX, box(OFF_REPLY_LENGTH));
        if (call.hasVariableReply()) {
            a.cmp(Reg.RDX, CAPACITY);
            a.jcc(Cond.A, lying);
            if (call.params.contains(Param.EVENTS_PTR)) {
                a.test(Reg.EDX, Param.EVENT_BYTES - 1);  // whole events only
                a.jcc(Cond.NE, lying);
            }
            a.lea(Reg.RAX, Mem.base(Reg.RDX).disp(call.fixedReplyBytes()));
        } else {
            if (call.gathers()) {
                a.cmp(Reg.RDX, GATHERED);
                a.jcc(Cond.A, lying);
            } else {
                a.test(Reg.RDX, Reg.RDX);
                a.jcc(Cond.NE, lying);
            }
            a.mov(Reg.EAX, call.fixedReplyBytes());
        }
        a.cmp(Reg.RCX, Reg.RAX);
        a.jcc(Cond.NE, lying);
    }

    /** Copies the checked reply to the app's pointers; RDX holds the result throughout. */
    private void copyOut() {
        List<Param> params = call.params;
        a.mov(Reg.RSI, REPLY);
        for (int j = 0; j < params.size(); j++) {
            Param p = params.get(j);
            if (p.fixedBytes > 0) {
                a.mov(Reg.EDI, slot(j));
                a.add(Reg.RDI, BASE);
                a.mov(Reg.ECX, p.fixedBytes);
                a.repMovsb();
            }
        }
        for (int j = 0; j < params.size(); j++) {
            switch (params.get(j)) {
                case BUF_PTR, EVENTS_PTR -> {
                    a.mov(Reg.EDI, slot(j));
                    a.add(Reg.RDI, BASE);
                    a.mov(Reg.RCX, Reg.RDX);
                    a.repMovsb();
                }
                case SCATTER_PTR -> scatter(j);
                default -> {
                }
            }
        }
        for (int j = 0; j < params.size(); j++) {
            if (params.get(j) == Param.COUNT) {
                a.mov(Reg.EDI, slot(j));
                a.mov(Mem.base(BASE, Reg.RDI, 1), Reg.EDX);
            } else if (params.get(j) == Param.EVENT_COUNT) {
                a.mov(Reg.EDI, slot(j));
                a.mov(Reg.EAX, Reg.EDX);
                a.shr(Reg.EAX, Integer.numberOfTrailingZeros(Param.EVENT_BYTES));
                a.mov(Mem.base(BASE, Reg.RDI, 1), Reg.EAX);
            }
        }
    }

    /** Spreads RDX bytes from RSI over the iovecs at slot j (count at j+1), in order. */
    private void scatter(int j) {
        Label loop = a.newLabel();
        Label done = a.newLabel();
        a.mov(Reg.EBX, slot(j));
        a.add(Reg.RBX, BASE);
        a.mov(Reg.R11D, slot(j + 1));
        a.mov(Reg.RBP, Reg.RDX);                   // bytes left to place
        a.bind(loop);
        a.test(Reg.RBP, Reg.RBP);
        a.jcc(Cond.E, done);
        a.test(Reg.R11D, Reg.R11D);
        a.jcc(Cond.E, done);
        a.mov(Reg.EDI, Mem.base(Reg.RBX));
        a.add(Reg.RDI, BASE);
        a.mov(Reg.ECX, Mem.base(Reg.RBX).disp(4));
        a.cmp(Reg.RCX, Reg.RBP);
        a.cmovcc(Cond.A, Reg.RCX, Reg.RBP);
        a.sub(Reg.RBP, Reg.RCX);
        a.repMovsb();
        a.add(Reg.RBX, 8);
        a.dec(Reg.R11D);
        a.jmp(loop);
        a.bind(done);
    }

    /** For the monotonic clock: the time handed out is never below the last one. */
    private void keepMonotonic() {
        Label skip = a.newLabel();
        a.mov(Reg.EAX, slot(0));
        a.cmp(Reg.EAX, CLOCK_MONOTONIC);
        a.jcc(Cond.NE, skip);
        a.mov(Reg.EDI, slot(2));
        a.mov(Reg.RAX, Mem.base(BASE, Reg.RDI, 1));
        a.mov(Reg.RCX, Mem.abs(Math.toIntExact(monotonicFloor)));
        a.cmp(Reg.RAX, Reg.RCX);
        a.cmovcc(Cond.B, Reg.RAX, Reg.RCX);
        a.mov(Mem.abs(Math.toIntExact(monotonicFloor)), Reg.RAX);
        a.mov(Mem.base(BASE, Reg.RDI, 1), Reg.RAX);
        a.bind(skip);
    }
}
