package dev.keep.shim.link;

import dev.keep.shim.abi.GuestHostcalls;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;

/**
 * The keep's first ring-3 instructions. The instance is already laid out in the data region, so
 * the entry only calls functions: the start function (if the module has one), then {@code _start},
 * each through its entry trampoline ({@code entry(ctx, values, function)}, System V) on the
 * runtime's stack; the trampoline switches to the Wasm stack. A return from {@code _start} is
 * EXIT 0; a trap (non-zero return) writes the trap's one-line message to stderr and is EXIT
 * {@link #TRAP_EXIT_STATUS}. Both paths flush the app's buffered stdout/stderr ({@link
 * StdioBuffer}) first.
 */
final class RuntimeEntry {
    /** Exit status of a trapped app, as `keep run` reports one on every backend. */
    static final int TRAP_EXIT_STATUS = 134;

    private RuntimeEntry() {
    }

    /**
     * @param moduleCode label bound at the compiled module's first byte (emitted later)
     * @param functions code offsets in the module of the functions to call, in order, and the
     *     offsets of their trampolines
     * @param trapMessages address of the table of {address, length} pairs indexed by trap code
     *     (entry 0: the message for a code outside the table)
     */
    static void emit(Assembler a, GuestHostcalls.Routines hostcalls, StdioBuffer stdio,
            Label moduleCode,
            long context, long values, int[][] functions, long trapMessages, int trapCodes) {
        Label trapped = a.newLabel();
        for (int[] f : functions) {
            a.mov(Reg.EDI, Math.toIntExact(context));
            a.mov(Reg.ESI, Math.toIntExact(values));
            a.lea(Reg.RDX, Mem.rip(moduleCode).disp(f[0]));
            a.lea(Reg.RAX, Mem.rip(moduleCode).disp(f[1]));
            a.call(Reg.RAX);
            a.test(Reg.EAX, Reg.EAX);
            a.jcc(Cond.NE, trapped);
        }
        a.call(stdio.flush);
        a.xor(Reg.EDI, Reg.EDI);
        a.call(hostcalls.exit());

        Label known = a.newLabel();
        a.bind(trapped);
        // The app's buffered output goes before the trap line, as it was written before the trap.
        a.push(Reg.RAX);
        a.call(stdio.flush);
        a.pop(Reg.RAX);
        a.mov(Reg.ECX, Reg.EAX);
        a.cmp(Reg.ECX, trapCodes);
        a.jcc(Cond.B, known);
        a.xor(Reg.ECX, Reg.ECX);
        a.bind(known);
        a.shl(Reg.RCX, 4);
        a.mov(Reg.RSI, Mem.base(Reg.RCX).disp(Math.toIntExact(trapMessages)));
        a.mov(Reg.RDX, Mem.base(Reg.RCX).disp(Math.toIntExact(trapMessages + 8)));
        a.mov(Reg.EDI, dev.keep.shim.abi.HostcallAbi.FD_STDERR);
        a.call(hostcalls.write());
        a.mov(Reg.EDI, TRAP_EXIT_STATUS);
        a.call(hostcalls.exit());
    }
}
