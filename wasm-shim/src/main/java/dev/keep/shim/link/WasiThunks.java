package dev.keep.shim.link;

import dev.keep.shim.abi.GuestHostcalls;
import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.abi.WasiCall;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.asm.Width;
import dev.keep.shim.compiler.ContextLayout;
import java.util.EnumMap;
import java.util.Map;

/**
 * The WASI functions as ring-3 routines. The compiler's import thunk calls each one as a host
 * function, {@code int host(Context* ctx, uint64_t* slots)} on the runtime's stack: argument j is
 * {@code slots[S-1-j]}, the result (a WASI errno) goes to {@code slots[S-1]}, and the return value
 * is 0 (a non-zero value is a trap code: only proc_raise uses it; bad pointers give EFAULT).
 *
 * <p>Every pointer the app passes is checked against the current linear memory size (read from the
 * memory record, so a grown memory counts) with 64-bit arithmetic before anything is read or
 * written. Registers: only RAX, RCX, RDX, RSI, RDI and R8..R11 are used freely; fd_write saves the
 * callee-saved ones it needs (the compiled code keeps its context in R15 across the call).
 */
final class WasiThunks {
    /** Trap code returned by proc_raise: the keep stops as wasmtime does (no signals in WASI). */
    static final int PROC_RAISE_TRAP = dev.keep.shim.compiler.TrapKind.HOST_FAILURE.code();
    /**
     * RDRAND attempts (with a pause between) before the keep gives up with a fault. Intel's guidance
     * is that 10 failures in a row mean a broken generator; the margin costs nothing when it works.
     * There is no RDSEED fallback: the keep does not claim RDSEED, which some hosts lack.
     */
    static final int RDRAND_RETRIES = 1000;
    static final int ERRNO_FAULT = 21;
    static final int ERRNO_INVAL = 28;

    private final Assembler a;
    private final GuestHostcalls.Routines hostcalls;
    private final StdioBuffer stdio;

    private final long monotonicFloor;

    private WasiThunks(Assembler a, GuestHostcalls.Routines hostcalls, StdioBuffer stdio,
            long monotonicFloor) {
        this.a = a;
        this.hostcalls = hostcalls;
        this.stdio = stdio;
        this.monotonicFloor = monotonicFloor;
    }

    /** Emits one routine per WASI function; returns their entry labels. */
    static Map<WasiFunction, Label> emit(Assembler a, GuestHostcalls.Routines hostcalls,
            StdioBuffer stdio, BakedStrings.Placed argv, BakedStrings.Placed environ,
            long monotonicFloor) {
        WasiThunks t = new WasiThunks(a, hostcalls, stdio, monotonicFloor);
        Map<WasiFunction, Label> labels = new EnumMap<>(WasiFunction.class);
        for (WasiFunction f : WasiFunction.values()) {
            Label entry = a.newLabel();
            a.align(16);
            a.bind(entry);
            switch (f) {
                case ARGS_SIZES_GET -> t.sizesGet(argv.strings());
                case ENVIRON_SIZES_GET -> t.sizesGet(environ.strings());
                case ARGS_GET -> t.stringsGet(argv);
                case ENVIRON_GET -> t.stringsGet(environ);
                case FD_WRITE -> t.fdWrite();
                case PROC_EXIT -> t.procExit();
                case PROC_RAISE -> t.procRaise();
                case SCHED_YIELD -> t.schedYield();
                case RANDOM_GET -> t.randomGet();
                default -> WasiForwarder.emit(a, hostcalls, stdio, f.forwarded, monotonicFloor);
            }
            labels.put(f, entry);
        }
        return labels;
    }

    /** Slot of argument j (or result j) of a function with {@code slots} slots. */
    private static Mem slot(Gpr slotsPointer, int slots, int j) {
        return Mem.base(slotsPointer).disp(8 * (slots - 1 - j));
    }

    /** R9 = linear memory base, R10 = its size in bytes, from the context in RDI. */
    private void loadMemory() {
        a.mov(Reg.R8, Mem.base(Reg.RDI).disp(ContextLayout.MEMORY));
        a.mov(Reg.R9, Mem.base(Reg.R8).disp(ContextLayout.MEMORY_BASE));
        a.mov(Reg.R10, Mem.base(Reg.R8).disp(ContextLayout.MEMORY_BYTES));
    }

    /** Jumps to {@code fail} unless {@code [pointer, pointer + length)} lies in linear memory. */
    private void checkRange(Gpr pointer, long length, Label fail) {
        a.lea(Reg.R11, Mem.base(pointer).disp(Math.toIntExact(length)));
        a.cmp(Reg.R11, Reg.R10);
        a.jcc(Cond.A, fail);
    }

    /** Stores the errno result in slot 0 of a 2-slot call through RSI and returns 0. */
    private void returnErrno(Gpr slots, int count, int errno) {
        a.mov(Width.QWORD, slot(slots, count, 0), errno);
        a.xor(Reg.EAX, Reg.EAX);
        a.ret();
    }

    /** (count_ptr, buf_size_ptr) -> errno: stores the vector's count and its blob size. */
    private void sizesGet(BakedStrings strings) {
        Label fault = a.newLabel();
        loadMemory();
        a.mov(Reg.EAX, slot(Reg.RSI, 2, 0));    // 32-bit loads zero-extend
        a.mov(Reg.ECX, slot(Reg.RSI, 2, 1));
        checkRange(Reg.RAX, 4, fault);
        checkRange(Reg.RCX, 4, fault);
        a.mov(Width.DWORD, Mem.base(Reg.R9, Reg.RAX, 1), strings.count());
        a.mov(Width.DWORD, Mem.base(Reg.R9, Reg.RCX, 1), strings.blob().length);
        returnErrno(Reg.RSI, 2, 0);
        a.bind(fault);
        returnErrno(Reg.RSI, 2, ERRNO_FAULT);
    }

    /**
     * (pointers, buf) -> errno: copies the blob to buf and writes count pointers (buf + offset of
     * each string) to pointers. Both ranges are checked before either is written.
     */
    private void stringsGet(BakedStrings.Placed placed) {
        BakedStrings strings = placed.strings();
        Label fault = a.newLabel();
        Label loop = a.newLabel();
        Label done = a.newLabel();
        loadMemory();
        a.mov(Reg.R8, Reg.RSI);                 // slots (RSI is needed by rep movsb)
        a.mov(Reg.EAX, slot(Reg.R8, 2, 0));     // pointers
        a.mov(Reg.ECX, slot(Reg.R8, 2, 1));     // buf
        checkRange(Reg.RAX, 4L * strings.count(), fault);
        checkRange(Reg.RCX, strings.blob().length, fault);
        a.mov(Reg.RDX, Reg.RCX);                // buf, kept for the pointers
        a.lea(Reg.RDI, Mem.base(Reg.R9, Reg.RCX, 1));
        a.mov(Reg.ESI, Math.toIntExact(placed.blobAddress()));
        a.mov(Reg.ECX, strings.blob().length);
        a.repMovsb();
        a.lea(Reg.RDI, Mem.base(Reg.R9, Reg.RAX, 1));
        a.xor(Reg.ECX, Reg.ECX);                // string index
        a.bind(loop);
        a.cmp(Reg.ECX, strings.count());
        a.jcc(Cond.AE, done);
        a.mov(Reg.ESI, Mem.indexOnly(Reg.RCX, 4).disp(Math.toIntExact(placed.offsetsAddress())));
        a.add(Reg.ESI, Reg.EDX);                // buf + offset < memory size <= 4 GiB: no wrap
        a.mov(Mem.base(Reg.RDI, Reg.RCX, 4), Reg.ESI);
        a.inc(Reg.ECX);
        a.jmp(loop);
        a.bind(done);
        returnErrno(Reg.R8, 2, 0);
        a.bind(fault);
        returnErrno(Reg.R8, 2, ERRNO_FAULT);
    }

    /**
     * (fd, iovs, iovs_len, nwritten) -> errno. fd 1 and 2 are served here, through the keep's
     * {@link StdioBuffer}; any other fd goes to the host's fd table through {@link WasiForwarder}
     * (one request, possibly a short write). For fd 1 and 2 the iovec array, nwritten and every
     * buffer are checked first (EFAULT, nothing written), and a total above 4 GiB - 1 is EINVAL.
     * Then: bytes of the other fd still in the buffer go out first (so stdout and stderr keep
     * their order); if these bytes would not fit behind what is buffered, the buffer goes out
     * too; bytes that fit are copied in and reported as all written. A total larger than the
     * whole buffer goes out directly through WRITE (every byte, in as many requests as it takes;
     * a failure before any byte went out returns its errno, after that the count so far is
     * reported as success).
     *
     * <p>A host error on bytes already reported as written is reported by the next write to the
     * same fd that has to flush: it fails with EIO and none of its bytes are taken, so an app
     * writing into a closed pipe still learns of it. An error found when switching fds, or by a
     * flush before another hostcall, belongs to no call in progress and is dropped.
     */
    private void fdWrite() {
        final int s = 4;
        Label badf = a.newLabel();
        Label fault = a.newLabel();
        Label inval = a.newLabel();
        Label check = a.newLabel();
        Label checked = a.newLabel();
        Label loop = a.newLabel();
        Label done = a.newLabel();
        Label failed = a.newLabel();
        Label result = a.newLabel();
        Label sameFd = a.newLabel();
        Label append = a.newLabel();
        Label flushFailed = a.newLabel();
        a.mov(Reg.EAX, slot(Reg.RSI, s, 0));
        a.cmp(Reg.EAX, HostcallAbi.FD_STDOUT);
        a.jcc(Cond.E, check);
        a.cmp(Reg.EAX, HostcallAbi.FD_STDERR);
        a.jcc(Cond.NE, badf);
        a.bind(check);
        loadMemory();
        a.mov(Reg.EAX, slot(Reg.RSI, s, 1));    // iovs
        a.mov(Reg.ECX, slot(Reg.RSI, s, 2));    // iovs_len
        a.mov(Reg.EDX, slot(Reg.RSI, s, 3));    // nwritten
        checkRange(Reg.RDX, 4, fault);
        a.lea(Reg.R11, Mem.base(Reg.RAX, Reg.RCX, 8));   // < 2^36: cannot wrap
        a.cmp(Reg.R11, Reg.R10);
        a.jcc(Cond.A, fault);
        // Pre-pass: every buffer inside memory, total below 4 GiB. RAX walks, RCX counts, RDI sums.
        a.xor(Reg.EDI, Reg.EDI);
        Label scan = a.newLabel();
        a.bind(scan);
        a.test(Reg.ECX, Reg.ECX);
        a.jcc(Cond.E, checked);
        a.mov(Reg.R8D, Mem.base(Reg.R9, Reg.RAX, 1));          // buf
        a.mov(Reg.R11D, Mem.base(Reg.R9, Reg.RAX, 1).disp(4)); // len
        a.add(Reg.RDI, Reg.R11);
        a.add(Reg.R11, Reg.R8);
        a.cmp(Reg.R11, Reg.R10);
        a.jcc(Cond.A, fault);
        a.add(Reg.RAX, 8);
        a.dec(Reg.ECX);
        a.jmp(scan);
        a.bind(checked);
        a.mov(Reg.R8, Reg.RDI);
        a.shr(Reg.R8, 32);
        a.jcc(Cond.NE, inval);
        // From here on callee-saved registers (the hostcall routines clobber the scratch ones).
        CalleeSaved.push(a);
        a.mov(Reg.R12, Reg.RSI);                // slots
        a.mov(Reg.R13, Reg.R9);                 // memory base
        a.mov(Reg.R14, Reg.RDI);                // total bytes of this call
        a.mov(Reg.EAX, slot(Reg.R12, s, 0));
        a.cmp(Reg.EAX, stdio.fd());
        a.jcc(Cond.E, sameFd);
        a.call(stdio.flush);                    // the other fd's bytes; its error is not ours
        a.mov(Reg.EAX, slot(Reg.R12, s, 0));
        a.mov(stdio.fd(), Reg.EAX);
        a.bind(sameFd);
        a.mov(Reg.RAX, stdio.length());
        a.add(Reg.RAX, Reg.R14);
        a.cmp(Reg.RAX, StdioBuffer.CAPACITY);
        a.jcc(Cond.BE, append);
        a.call(stdio.flush);
        a.test(Reg.RAX, Reg.RAX);
        a.jcc(Cond.NE, flushFailed);
        a.cmp(Reg.R14, StdioBuffer.CAPACITY);
        a.jcc(Cond.BE, append);
        // Larger than the whole buffer: straight out, buffer by buffer, through WRITE.
        a.mov(Reg.EBX, slot(Reg.R12, s, 1));
        a.add(Reg.RBX, Reg.R13);                // current iovec (absolute)
        a.mov(Reg.EBP, slot(Reg.R12, s, 2));    // iovecs left
        a.xor(Reg.R15D, Reg.R15D);              // bytes written
        a.bind(loop);
        a.test(Reg.EBP, Reg.EBP);
        a.jcc(Cond.E, done);
        a.mov(Reg.EDI, slot(Reg.R12, s, 0));
        a.mov(Reg.ESI, Mem.base(Reg.RBX));
        a.add(Reg.RSI, Reg.R13);
        a.mov(Reg.EDX, Mem.base(Reg.RBX).disp(4));
        a.mov(Reg.R14, Reg.RDX);
        a.call(hostcalls.write());
        a.test(Reg.RAX, Reg.RAX);
        a.jcc(Cond.S, failed);
        a.add(Reg.R15, Reg.RAX);
        a.cmp(Reg.RAX, Reg.R14);
        a.jcc(Cond.NE, done);                   // short write: report what went out
        a.add(Reg.RBX, 8);
        a.dec(Reg.EBP);
        a.jmp(loop);
        a.bind(failed);
        a.test(Reg.R15, Reg.R15);
        a.jcc(Cond.NE, done);
        a.neg(Reg.RAX);                         // -errno -> errno
        a.jmp(result);
        a.bind(done);
        a.mov(Reg.EDX, slot(Reg.R12, s, 3));
        a.mov(Mem.base(Reg.R13, Reg.RDX, 1), Reg.R15D);
        a.xor(Reg.EAX, Reg.EAX);
        a.bind(result);
        a.mov(slot(Reg.R12, s, 0), Reg.RAX);
        CalleeSaved.pop(a);
        a.xor(Reg.EAX, Reg.EAX);
        a.ret();
        // Fits: gather every buffer behind the buffered bytes; all of them count as written.
        Label copy = a.newLabel();
        Label copied = a.newLabel();
        a.bind(append);
        a.mov(Reg.EBX, slot(Reg.R12, s, 1));
        a.add(Reg.RBX, Reg.R13);                // current iovec (absolute)
        a.mov(Reg.EBP, slot(Reg.R12, s, 2));    // iovecs left
        a.mov(Reg.RDI, stdio.length());
        a.add(Reg.RDI, Math.toIntExact(stdio.bytesAddress));
        a.bind(copy);
        a.test(Reg.EBP, Reg.EBP);
        a.jcc(Cond.E, copied);
        a.mov(Reg.ESI, Mem.base(Reg.RBX));
        a.add(Reg.RSI, Reg.R13);
        a.mov(Reg.ECX, Mem.base(Reg.RBX).disp(4));
        a.repMovsb();                           // RDI moves on to the next free byte
        a.add(Reg.RBX, 8);
        a.dec(Reg.EBP);
        a.jmp(copy);
        a.bind(copied);
        a.add(stdio.length(), Reg.R14);
        a.mov(Reg.R15, Reg.R14);
        a.jmp(done);
        a.bind(flushFailed);
        a.neg(Reg.RAX);                         // -EIO -> EIO; none of this call's bytes taken
        a.jmp(result);
        a.bind(badf);
        WasiForwarder.emit(a, hostcalls, stdio, WasiCall.FD_WRITE, monotonicFloor);
        a.bind(fault);
        returnErrno(Reg.RSI, s, ERRNO_FAULT);
        a.bind(inval);
        returnErrno(Reg.RSI, s, ERRNO_INVAL);
    }

    /**
     * (code) -> never returns: EXIT with the code modulo 256 (the hostcall carries 0..255, which is
     * also all a shell sees of a larger status).
     */
    private void procExit() {
        a.mov(Reg.EAX, slot(Reg.RSI, 1, 0));
        a.push(Reg.RAX);
        a.call(stdio.flush);                    // buffered output goes out before the keep ends
        a.pop(Reg.RDI);
        a.and(Reg.EDI, 0xFF);
        a.call(hostcalls.exit());
    }

    /**
     * (sig) -> traps. WASI has no signals; wasmtime ends the instance with a trap, and so does the
     * keep: the import returns a trap code, so the usual trap line goes to stderr and the keep
     * exits with the trap status.
     */
    private void procRaise() {
        a.mov(Reg.EAX, PROC_RAISE_TRAP);
        a.ret();
    }

    /** () -> 0. The keep has one thread and no other runnable work: yielding is a no-op. */
    private void schedYield() {
        returnErrno(Reg.RSI, 1, 0);
    }

    /**
     * (buf, buf_len) -> errno. The bytes come from the CPU inside the keep (RDRAND, retried), never
     * from the host, which could choose them. If RDRAND never delivers, the keep stops with
     * {@code ud2} rather than hand out weak bytes; a CPU without RDRAND faults
     * on the instruction itself (#UD), which ends the keep the same way.
     */
    private void randomGet() {
        Label fault = a.newLabel();
        Label loop = a.newLabel();
        Label tail = a.newLabel();
        Label done = a.newLabel();
        Label rand64 = a.newLabel();
        loadMemory();
        a.mov(Reg.R8, Reg.RSI);                 // slots
        a.mov(Reg.EAX, slot(Reg.R8, 2, 0));
        a.mov(Reg.ECX, slot(Reg.R8, 2, 1));
        a.lea(Reg.R11, Mem.base(Reg.RAX, Reg.RCX, 1));
        a.cmp(Reg.R11, Reg.R10);
        a.jcc(Cond.A, fault);
        a.lea(Reg.RDI, Mem.base(Reg.R9, Reg.RAX, 1));
        a.bind(loop);
        a.cmp(Reg.RCX, 8);
        a.jcc(Cond.B, tail);
        a.call(rand64);
        a.mov(Mem.base(Reg.RDI), Reg.RAX);
        a.add(Reg.RDI, 8);
        a.sub(Reg.RCX, 8);
        a.jmp(loop);
        a.bind(tail);
        a.test(Reg.RCX, Reg.RCX);
        a.jcc(Cond.E, done);
        a.call(rand64);
        Label bytes = a.newLabel();
        a.bind(bytes);
        a.mov(Mem.base(Reg.RDI), Reg.AL);
        a.shr(Reg.RAX, 8);
        a.inc(Reg.RDI);
        a.dec(Reg.RCX);
        a.jcc(Cond.NE, bytes);
        a.bind(done);
        returnErrno(Reg.R8, 2, 0);
        a.bind(fault);
        returnErrno(Reg.R8, 2, ERRNO_FAULT);

        // rand64: RAX = 64 random bits; clobbers EDX.
        Label retry = a.newLabel();
        Label got = a.newLabel();
        a.bind(rand64);
        a.mov(Reg.EDX, RDRAND_RETRIES);
        a.bind(retry);
        a.rdrand(Reg.RAX);
        a.jcc(Cond.B, got);                     // CF = 1: a value was delivered
        a.pause();
        a.dec(Reg.EDX);
        a.jcc(Cond.NE, retry);
        a.ud2();
        a.bind(got);
        a.ret();
    }
}
