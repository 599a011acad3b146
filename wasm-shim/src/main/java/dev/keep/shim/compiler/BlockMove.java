package dev.keep.shim.compiler;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;

/**
 * The overlap-safe byte move behind {@code memory.copy} and {@code table.copy}: {@code rep movsb}
 * forwards when the destination is at or below the source, backwards (direction flag set, from the
 * last byte) otherwise, so an overlapping copy reads every byte before it is overwritten.
 */
final class BlockMove {
    private BlockMove() {}

    /** Moves {@code count} bytes from address {@code src} to address {@code dest}; the registers must be RSI, RDI, RCX. */
    static void emit(Assembler a, Gpr dest, Gpr src, Gpr count) {
        Label forward = a.newLabel();
        Label done = a.newLabel();
        a.cmp(dest, src);
        a.jcc(Cond.BE, forward);
        a.lea(src, Mem.base(src, count, 1).disp(-1));
        a.lea(dest, Mem.base(dest, count, 1).disp(-1));
        a.std();
        a.repMovsb();
        a.cld();
        a.jmp(done);
        a.bind(forward);
        a.repMovsb();
        a.bind(done);
    }
}
