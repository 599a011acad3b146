package dev.keep.bench;

/** A measured run: its checksum and its duration in milliseconds. */
record Timed(long result, double millis) {
    static Timed of(long startNanos, long result) {
        return new Timed(result, (System.nanoTime() - startNanos) / 1e6);
    }
}
