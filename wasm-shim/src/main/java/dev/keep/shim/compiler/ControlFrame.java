package dev.keep.shim.compiler;

import dev.keep.shim.asm.Label;

/**
 * One entry of the control stack. {@code base} is the operand-stack height below the frame's
 * parameters; at the frame's label the branch values sit in slots base .. base+arity-1 and RSP
 * points at the last of them.
 */
final class ControlFrame {
    enum Kind { FUNCTION, BLOCK, LOOP, IF }

    final Kind kind;
    final BlockType type;
    final Label label;
    final Label elseLabel;
    final int base;
    boolean unreachable;
    boolean elseSeen;

    ControlFrame(Kind kind, BlockType type, Label label, Label elseLabel, int base) {
        this.kind = kind;
        this.type = type;
        this.label = label;
        this.elseLabel = elseLabel;
        this.base = base;
    }

    /** Values a branch to this frame carries: a loop's parameters, otherwise its results. */
    int branchArity() {
        return kind == Kind.LOOP ? type.params().size() : type.results().size();
    }
}
