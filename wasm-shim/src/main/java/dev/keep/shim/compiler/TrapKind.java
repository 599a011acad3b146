package dev.keep.shim.compiler;

/** Every way compiled code can trap, with the code stored in the context and the spec's message. */
public enum TrapKind {
    UNREACHABLE(1, "unreachable"),
    INTEGER_DIVIDE_BY_ZERO(2, "integer divide by zero"),
    INTEGER_OVERFLOW(3, "integer overflow"),
    INVALID_CONVERSION(4, "invalid conversion to integer"),
    OUT_OF_BOUNDS_MEMORY(5, "out of bounds memory access"),
    CALL_STACK_EXHAUSTED(6, "call stack exhausted"),
    UNDEFINED_ELEMENT(7, "undefined element"),
    UNINITIALIZED_ELEMENT(8, "uninitialized element"),
    INDIRECT_CALL_TYPE_MISMATCH(9, "indirect call type mismatch"),
    OUT_OF_BOUNDS_TABLE(10, "out of bounds table access"),
    /** A host (imported) function failed without a Wasm trap of its own. */
    HOST_FAILURE(11, "host function failed");

    private final int code;
    private final String message;

    TrapKind(int code, String message) {
        this.code = code;
        this.message = message;
    }

    public int code() {
        return code;
    }

    public String message() {
        return message;
    }

    /** The kind for a code read from the context, or null for 0 / an unknown code. */
    public static TrapKind ofCode(long code) {
        for (TrapKind k : values()) {
            if (k.code == code) {
                return k;
            }
        }
        return null;
    }
}
