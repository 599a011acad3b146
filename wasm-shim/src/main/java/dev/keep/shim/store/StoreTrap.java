package dev.keep.shim.store;

import dev.keep.shim.compiler.TrapKind;

/** A call into the store keep (or an instantiation) trapped; the keep goes on serving. */
public final class StoreTrap extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoreTrap(String message) {
        super(message);
    }

    static StoreTrap of(TrapKind kind) {
        return new StoreTrap(kind.message());
    }

    /** The trap a trampoline's non-zero status stands for. */
    static StoreTrap ofStatus(int status) {
        TrapKind kind = TrapKind.ofCode(status);
        return new StoreTrap(kind == null ? "unknown trap code " + status : kind.message());
    }
}
