package dev.keep.shim.store;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;

/**
 * The code behind an imported function's pointer in a store keep
 * ({@link dev.keep.shim.compiler.ContextLayout#IMPORTS}: {@code int host(ctx, slots)}, argument j
 * in slots[S-1-j], result k back into slots[S-1-k], S = max(params, results)).
 */
final class ImportThunks {
    private ImportThunks() {
    }

    /**
     * A call of another instance's function: the arguments copied in order onto this stack, then
     * its entry trampoline called with its own context (the trampoline nests: it saves the runtime
     * record's state and moves the Wasm stack below the caller's), the results copied back; a trap
     * status is passed on as the import's.
     * The code is position-independent (absolute addresses are immediates).
     */
    static byte[] call(Extern.Function target) {
        int params = target.type().params().size();
        int results = target.type().returns().size();
        int slots = Math.max(params, results);
        int frame = (Math.max(1, slots) * 8 + 15) & ~15;
        Assembler a = new Assembler();
        Label done = a.newLabel();
        a.push(Reg.RBX);                               // RSP is 16-byte aligned from here on
        a.mov(Reg.RBX, Reg.RSI);
        a.sub(Reg.RSP, frame);
        for (int j = 0; j < params; j++) {
            a.mov(Reg.RAX, Mem.base(Reg.RBX).disp(8 * (slots - 1 - j)));
            a.mov(Mem.base(Reg.RSP).disp(8 * j), Reg.RAX);
        }
        a.movabs(Reg.RDI, target.context());
        a.mov(Reg.RSI, Reg.RSP);
        a.movabs(Reg.RDX, target.code());
        a.movabs(Reg.RAX, target.trampoline());
        a.call(Reg.RAX);
        a.test(Reg.EAX, Reg.EAX);
        a.jcc(Cond.NE, done);
        for (int k = 0; k < results; k++) {
            a.mov(Reg.RCX, Mem.base(Reg.RSP).disp(8 * k));
            a.mov(Mem.base(Reg.RBX).disp(8 * (slots - 1 - k)), Reg.RCX);
        }
        a.bind(done);
        a.add(Reg.RSP, frame);
        a.pop(Reg.RBX);
        a.ret();
        return a.finish();
    }

    /** A function with no results that does nothing and returns (the spectest print functions). */
    static byte[] nothing() {
        Assembler a = new Assembler();
        a.xor(Reg.EAX, Reg.EAX);
        a.ret();
        return a.finish();
    }
}
