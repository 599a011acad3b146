package dev.keep.shim.asm;

/**
 * A position in the code of one {@link Assembler}, possibly not yet known. Created by
 * {@link Assembler#newLabel()}, fixed by {@link Assembler#bind(Label)}; references made before the
 * bind are patched when it happens (or at {@link Assembler#finish()}).
 */
public final class Label {
    private final Assembler owner;
    private final int id;
    private int offset = -1;

    Label(Assembler owner, int id) {
        this.owner = owner;
        this.id = id;
    }

    Assembler owner() {
        return owner;
    }

    public int id() {
        return id;
    }

    public boolean isBound() {
        return offset >= 0;
    }

    /** Offset from the start of the code, for linking; only once bound. */
    public int offset() {
        if (offset < 0) {
            throw new IllegalArgumentException("label L" + id + " is not bound yet");
        }
        return offset;
    }

    void bindAt(int position) {
        if (offset >= 0) {
            throw new IllegalArgumentException("label L" + id + " is already bound at offset " + offset);
        }
        offset = position;
    }

    @Override
    public String toString() {
        return "L" + id + (offset >= 0 ? "@" + offset : "");
    }
}
