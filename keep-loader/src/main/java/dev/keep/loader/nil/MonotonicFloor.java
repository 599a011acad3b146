package dev.keep.loader.nil;

/**
 * The largest monotonic time handed to the app so far. The keep keeps one so that a host whose
 * monotonic clock went backwards cannot make the app's clock go backwards; nil does the same so
 * both answer alike.
 */
final class MonotonicFloor {
    private long highest;

    /** The time to hand out for {@code nanos}: never below an earlier one (unsigned u64). */
    long raise(long nanos) {
        if (Long.compareUnsigned(nanos, highest) > 0) {
            highest = nanos;
        }
        return highest;
    }
}
