package dev.keep.shim.link;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Reg;
import java.util.List;

/**
 * The System V callee-saved registers a runtime routine saves on entry and restores before {@code ret}:
 * compiled Wasm code keeps its context and locals in them across calls into the runtime.
 */
final class CalleeSaved {
    private static final List<Gpr> REGISTERS = List.of(Reg.RBX, Reg.RBP, Reg.R12, Reg.R13, Reg.R14, Reg.R15);

    private CalleeSaved() {}

    static void push(Assembler a) {
        for (Gpr r : REGISTERS) {
            a.push(r);
        }
    }

    static void pop(Assembler a) {
        for (Gpr r : REGISTERS.reversed()) {
            a.pop(r);
        }
    }
}
