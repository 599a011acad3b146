package dev.keep.shim.compiler;

/**
 * Code generation switches.
 *
 * @param boundsChecks {@link BoundsChecks#EXPLICIT}: every access compares its end against the
 *     memory size (R13) and jumps to the out-of-bounds trap. {@link BoundsChecks#GUARD_REGION}: no
 *     check at all; the loader must place linear memory at the start of {@link #GUARD_REGION_BYTES}
 *     of reserved address space in which only the current size is accessible, turn a fault there
 *     from compiled code into the out-of-bounds trap, and supply the memory record's grow function
 *     ({@link ContextLayout#MEMORY_GROW}), which makes the new pages accessible.
 */
public record CompilerOptions(BoundsChecks boundsChecks) {
    public enum BoundsChecks { EXPLICIT, GUARD_REGION }

    /**
     * Address space a guard-region memory needs: a wasm32 access is base + u32 address + u32
     * offset, so it stays below base + 8 GiB, and everything past the current size must fault.
     */
    public static final long GUARD_REGION_BYTES = 8L << 30;

    public CompilerOptions {
        java.util.Objects.requireNonNull(boundsChecks, "boundsChecks");
    }

    public static CompilerOptions defaults() {
        return new CompilerOptions(BoundsChecks.EXPLICIT);
    }

    public static CompilerOptions guardRegions() {
        return new CompilerOptions(BoundsChecks.GUARD_REGION);
    }

    public boolean usesGuardRegion() {
        return boundsChecks == BoundsChecks.GUARD_REGION;
    }
}
