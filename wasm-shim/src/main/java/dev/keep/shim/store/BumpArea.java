package dev.keep.shim.store;

/** Hands out consecutive pieces of one keep arena; nothing is ever given back (a store is short-lived). */
final class BumpArea {
    private final String name;
    private final long end;
    private long next;

    BumpArea(String name, long start, long end) {
        this.name = name;
        this.next = start;
        this.end = end;
    }

    /** Guest address of {@code bytes} fresh bytes aligned to {@code align} (a power of two). */
    long take(long bytes, long align) {
        long start = (next + align - 1) & -align;
        if (bytes < 0 || start > end || bytes > end - start) {
            throw new StoreException("the store keep's " + name + " is full (" + bytes
                    + " more bytes needed); use fewer or smaller modules per store");
        }
        next = start + bytes;
        return start;
    }
}
