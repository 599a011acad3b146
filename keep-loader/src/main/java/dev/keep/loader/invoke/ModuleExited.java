package dev.keep.loader.invoke;

import dev.keep.loader.KeepException;

/**
 * A called function ended the module with WASI {@code proc_exit}: not a trap, an exit with a
 * status (what {@code keep run} and {@code keep invoke} report as their own). On nil the instance
 * stays usable; on kvm the store keep has ended, as any keep ends at proc_exit.
 */
public final class ModuleExited extends KeepException {
    private final int status;

    public ModuleExited(int status, Throwable cause) {
        super("the module called proc_exit(" + status + ")", cause);
        this.status = status;
    }

    public ModuleExited(int status) {
        this(status, null);
    }

    /** The exit status, 0..255 (a shell sees it modulo 256). */
    public int status() {
        return status;
    }
}
