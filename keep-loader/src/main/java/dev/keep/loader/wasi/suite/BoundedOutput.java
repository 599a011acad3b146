package dev.keep.loader.wasi.suite;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Collects what a test program writes to stdout or stderr, up to a limit: a program that writes
 * without end until it is timed out must not exhaust the runner's memory. Beyond the limit, bytes
 * are counted and dropped.
 */
final class BoundedOutput extends OutputStream {
    static final int LIMIT = 1 << 20;

    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private long dropped;

    @Override
    public synchronized void write(int b) {
        if (kept.size() < LIMIT) {
            kept.write(b);
        } else {
            dropped++;
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        int room = Math.max(0, Math.min(len, LIMIT - kept.size()));
        kept.write(b, off, room);
        dropped += len - room;
    }

    /** The kept bytes as UTF-8 text, as the suite's runner reads the program's streams. */
    synchronized String text() {
        return kept.toString(StandardCharsets.UTF_8);
    }

    synchronized long dropped() {
        return dropped;
    }
}
