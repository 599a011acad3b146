package dev.keep.loader.backend;

/**
 * Whether a backend can run keeps on this machine, and why (not).
 *
 * @param available true when {@code keep run --backend NAME} would start a keep
 * @param detail when available, what the backend gives; otherwise the exact reason it cannot run
 */
public record Availability(boolean available, String detail) {
    public static Availability available(String detail) {
        return new Availability(true, detail);
    }

    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
