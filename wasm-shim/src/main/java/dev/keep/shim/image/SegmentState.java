package dev.keep.shim.image;

/**
 * A segment register as the VMM loads it (the fields of KVM's struct kvm_segment, so the loader
 * copies them one to one): the selector plus the descriptor cache.
 */
public record SegmentState(long base, int limit, int selector, int type, boolean present, int dpl,
        boolean db, boolean s, boolean l, boolean g, boolean avl, boolean unusable) {

    /** A null selector: unusable, as the CPU leaves FS/GS/LDT when nothing is loaded. */
    public static final SegmentState NULL = new SegmentState(0, 0, 0, 0, false, 0, false, false,
            false, false, false, true);

    /** A flat 64-bit code segment (type 11 = execute/read, accessed). */
    static SegmentState code64(int selector, int dpl) {
        return new SegmentState(0, 0xFFFF_FFFF, selector, 11, true, dpl, false, true, true, true,
                false, false);
    }

    /** A flat data/stack segment (type 3 = read/write, accessed). */
    static SegmentState data(int selector, int dpl) {
        return new SegmentState(0, 0xFFFF_FFFF, selector, 3, true, dpl, true, true, false, true,
                false, false);
    }

    /** A busy 64-bit TSS (type 11), as {@code ltr} would leave the task register. */
    static SegmentState tss(int selector, long base, int limit) {
        return new SegmentState(base, limit, selector, 11, true, 0, false, false, false, false,
                false, false);
    }
}
