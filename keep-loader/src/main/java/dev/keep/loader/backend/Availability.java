package dev.keep.loader.backend;

/**
 * Whether a backend can run keeps on this machine, and why (not).
 *
 * @param available true when {@code keep run --backend NAME} would start a keep
 * @param detail when available, what the backend gives; otherwise the exact reason it cannot run
 * @param onRequestOnly true when the backend can run here but {@code --backend auto} must not pick it (an
 *     experimental backend is used only when the user names it); never true when unavailable
 */
public record Availability(boolean available, String detail, boolean onRequestOnly) {
    public Availability {
        if (onRequestOnly && !available) {
            throw new IllegalArgumentException("only an available backend can be available on request only");
        }
    }

    public Availability(boolean available, String detail) {
        this(available, detail, false);
    }

    public static Availability available(String detail) {
        return new Availability(true, detail, false);
    }

    /** Available to {@code --backend NAME}, passed over by {@code --backend auto}. */
    public static Availability onRequestOnly(String detail) {
        return new Availability(true, detail, true);
    }

    public static Availability unavailable(String reason) {
        return new Availability(false, reason, false);
    }

    /** Whether {@code --backend auto} may choose the backend. */
    public boolean autoSelectable() {
        return available && !onRequestOnly;
    }
}
