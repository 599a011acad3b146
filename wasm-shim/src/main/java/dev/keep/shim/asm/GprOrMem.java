package dev.keep.shim.asm;

/** An r/m operand of a general-purpose instruction: a general register or a memory location. */
public sealed interface GprOrMem permits Gpr, Mem {
}
