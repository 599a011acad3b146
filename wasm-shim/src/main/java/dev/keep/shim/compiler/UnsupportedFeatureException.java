package dev.keep.shim.compiler;

/** The module is valid but uses something this compiler does not implement yet (reported as skipped). */
public final class UnsupportedFeatureException extends CompileException {
    private static final long serialVersionUID = 1L;

    public UnsupportedFeatureException(String message) {
        super(message);
    }
}
