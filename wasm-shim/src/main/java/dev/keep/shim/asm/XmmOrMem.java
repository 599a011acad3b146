package dev.keep.shim.asm;

/** An r/m operand of an SSE instruction: an XMM register or a memory location. */
public sealed interface XmmOrMem permits Xmm, Mem {
}
