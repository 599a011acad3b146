package dev.keep.shim.compiler;

/** The module cannot be compiled: invalid, or uses a feature this compiler does not support yet. */
public class CompileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CompileException(String message) {
        super(message);
    }

    public CompileException(String message, Throwable cause) {
        super(message, cause);
    }
}
