package dev.keep.shim.compiler;

/**
 * Code generation switches.
 *
 * @param boundsChecks {@link BoundsChecks#EXPLICIT}: every access compares its end against the
 *     memory size (R13) and jumps to the out-of-bounds trap; {@link BoundsChecks#GUARD_REGION}
 *     (reserved for the keep, where linear memory sits in 8 GiB of reserved address space with
 *     unmapped guard pages and faults become traps) is not implemented yet.
 */
public record CompilerOptions(BoundsChecks boundsChecks) {
    public enum BoundsChecks { EXPLICIT, GUARD_REGION }

    public static CompilerOptions defaults() {
        return new CompilerOptions(BoundsChecks.EXPLICIT);
    }

    public CompilerOptions {
        if (boundsChecks != BoundsChecks.EXPLICIT) {
            throw new IllegalArgumentException("only explicit bounds checks are implemented");
        }
    }
}
