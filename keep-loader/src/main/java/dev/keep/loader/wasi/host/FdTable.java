package dev.keep.loader.wasi.host;

import java.util.TreeMap;

/**
 * One keep's descriptors: 0..2 the standard streams, 3.. the preopens, then whatever the keep
 * opens (the lowest free number, as POSIX and wasmtime do), never more than the limit.
 */
final class FdTable implements AutoCloseable {
    private final TreeMap<Integer, FdEntry> entries = new TreeMap<>();
    private final int maxOpen;

    FdTable(int maxOpen) {
        this.maxOpen = maxOpen;
    }

    /** The entry, or null when the fd is not open (any u32 value may arrive here). */
    FdEntry get(long fd) {
        return fd < 0 || fd > Integer.MAX_VALUE ? null : entries.get((int) fd);
    }

    boolean full() {
        return entries.size() >= maxOpen;
    }

    /** Puts the entry at the lowest free fd; -1 when the table is full (the caller releases). */
    int add(FdEntry entry) {
        if (full()) {
            return -1;
        }
        int fd = 0;
        while (entries.containsKey(fd)) {
            fd++;
        }
        entries.put(fd, entry);
        return fd;
    }

    FdEntry remove(long fd) {
        return get(fd) == null ? null : entries.remove((int) fd);
    }

    /** Moves {@code from} onto {@code to}, releasing what {@code to} held. Both must be open. */
    void renumber(int from, int to) {
        FdEntry moving = entries.remove(from);
        FdEntry replaced = entries.put(to, moving);
        if (replaced != null && replaced != moving) {
            replaced.release();
        }
    }

    int size() {
        return entries.size();
    }

    @Override
    public void close() {
        entries.values().forEach(FdEntry::release);
        entries.clear();
    }
}
