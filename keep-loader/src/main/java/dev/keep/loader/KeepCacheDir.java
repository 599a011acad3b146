package dev.keep.loader;

import java.nio.file.Path;

/**
 * Where Keep keeps per-user caches (compiled modules, the jailed runner's class-data archive):
 * {@code $KEEP_CACHE_DIR}, else {@code $XDG_CACHE_HOME/keep}, else {@code ~/.cache/keep}. Nothing in it
 * is needed for correctness: every cache entry can be deleted at any time and is made again.
 */
public final class KeepCacheDir {
    private KeepCacheDir() {}

    /** The folder; it may not exist yet. */
    public static Path base() {
        String explicit = System.getenv("KEEP_CACHE_DIR");
        String xdg = System.getenv("XDG_CACHE_HOME");
        return explicit != null && !explicit.isEmpty() ? Path.of(explicit)
                : xdg != null && !xdg.isEmpty() ? Path.of(xdg, "keep")
                : Path.of(System.getProperty("user.home"), ".cache", "keep");
    }
}
