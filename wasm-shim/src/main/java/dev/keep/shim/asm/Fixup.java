package dev.keep.shim.asm;

/**
 * A hole in the code to fill once {@code target} is bound.
 *
 * @param kind     how the value is computed and how wide it is
 * @param at       offset of the hole
 * @param target   label whose offset the value depends on
 * @param from     for REL8/REL32: the offset the CPU measures from (end of the instruction);
 *                 for DELTA32: unused (see {@code base})
 * @param base     for DELTA32: the label subtracted from {@code target}; otherwise null
 * @param addend   constant added to the value
 */
record Fixup(Kind kind, int at, Label target, int from, Label base, long addend) {
    enum Kind {
        /** 8-bit pc-relative (short jumps). */
        REL8,
        /** 32-bit pc-relative (near jumps, calls, rip-relative operands). */
        REL32,
        /** 32-bit difference of two labels (jump tables). */
        DELTA32,
        /** 64-bit absolute address: origin + label offset. */
        ABS64
    }
}
