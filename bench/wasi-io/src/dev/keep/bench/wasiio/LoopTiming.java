package dev.keep.bench.wasiio;

/**
 * One timed loop as the app reported it.
 *
 * @param calls write or read calls the app made (a short write is retried, and each retry counts)
 * @param bytes bytes moved
 * @param nanos the loop's time on the app's monotonic clock
 */
record LoopTiming(long calls, long bytes, long nanos) {
    /** Nanoseconds per write of {@code op.writeSize} bytes (a write the app had to retry is still one write). */
    double nanosPerWrite(Operation op) {
        return (double) nanos / (bytes / op.writeSize);
    }

    /** WASI calls per write of {@code op.writeSize} bytes: above 1 when the host took less than asked. */
    double callsPerWrite(Operation op) {
        return (double) calls / (bytes / op.writeSize);
    }

    /** Throughput in MB (10^6 bytes) per second. */
    double megabytesPerSecond() {
        return bytes * 1e3 / nanos;
    }

    /** The time of one unit of work: ns per write, or ns per MB for throughput loops. */
    double cost(Operation op) {
        return op.isThroughput() ? 1e3 / megabytesPerSecond() : nanosPerWrite(op);
    }
}
