package dev.keep.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Anonymous host memory that backs guest RAM: an mmap'd region owned by this object and unmapped
 * on close. With {@link Options#transparentHugePages()} the region is 2 MiB aligned and advised
 * MADV_HUGEPAGE, so the host can back it with huge pages (on kvm_pvm this turns 4 KiB shadow
 * faults into one per 2 MiB; see nested-kvm-notes.md). With {@link Options#prefault()} every
 * page is populated up front, so the guest's first touch costs no host page allocation.
 *
 * <p>While a VM has the memory registered as a memslot, {@link #close()} refuses: unmapping it
 * would leave KVM pointing at an address the next mmap may hand to something else.
 */
public final class GuestMemory implements AutoCloseable {

    /** x86-64 base page size; guest memory sizes are multiples of it. */
    public static final long PAGE_SIZE = 4096;
    /** x86-64 huge page size used for alignment when huge pages are asked for. */
    public static final long HUGE_PAGE_SIZE = 2L << 20;

    /**
     * How to back the memory.
     *
     * @param transparentHugePages align to 2 MiB and advise MADV_HUGEPAGE
     * @param prefault populate every page before returning
     */
    public record Options(boolean transparentHugePages, boolean prefault) {
        /** Huge pages where the host allows them, populated up front: what a keep wants. */
        public static final Options KEEP = new Options(true, true);
        /** Plain lazily-populated 4 KiB pages. */
        public static final Options PLAIN = new Options(false, false);
    }

    private final Arena arena;
    private final MemorySegment memory;
    private final boolean hugePagesAdvised;
    private final AtomicInteger registrations = new AtomicInteger();

    private GuestMemory(Arena arena, MemorySegment memory, boolean hugePagesAdvised) {
        this.arena = arena;
        this.memory = memory;
        this.hugePagesAdvised = hugePagesAdvised;
    }

    /**
     * Maps {@code size} bytes of zeroed anonymous memory.
     *
     * @throws IllegalArgumentException if size is not a positive multiple of {@link #PAGE_SIZE}
     * @throws NativeCallException if the host refuses the mapping
     */
    @SuppressWarnings("restricted") // SAFETY: the segment covers exactly the mapping we made.
    public static GuestMemory allocate(long size, Options options) throws NativeCallException {
        if (size <= 0 || size % PAGE_SIZE != 0) {
            throw new IllegalArgumentException(
                    "guest memory size must be a positive multiple of 4096, got " + size);
        }
        boolean huge = options.transparentHugePages() && size >= HUGE_PAGE_SIZE;
        long start = huge ? mapAligned(size, HUGE_PAGE_SIZE) : mapAnonymous(size);
        Arena arena = Arena.ofShared();
        MemorySegment memory = MemorySegment.ofAddress(start).reinterpret(size, arena,
                mapping -> unmapQuietly(mapping.address(), size));
        try {
            boolean advised = huge && adviseHugePages(start, size);
            if (options.prefault()) {
                prefault(memory);
            }
            return new GuestMemory(arena, memory, advised);
        } catch (NativeCallException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static long mapAnonymous(long size) throws NativeCallException {
        return Libc.mmap(0, size, LibcConstants.PROT_READ | LibcConstants.PROT_WRITE,
                LibcConstants.MAP_PRIVATE | LibcConstants.MAP_ANONYMOUS
                        | LibcConstants.MAP_NORESERVE, -1, 0);
    }

    /** Maps size + alignment, then gives back the unaligned head and the tail beyond size. */
    private static long mapAligned(long size, long alignment) throws NativeCallException {
        long reserved = size + alignment;
        long raw = mapAnonymous(reserved);
        long start = (raw + alignment - 1) & -alignment;
        try {
            if (start > raw) {
                Libc.munmap(raw, start - raw);
            }
            long end = start + size;
            long rawEnd = raw + reserved;
            if (rawEnd > end) {
                Libc.munmap(end, rawEnd - end);
            }
        } catch (NativeCallException e) {
            unmapQuietly(raw, reserved);
            throw e;
        }
        return start;
    }

    /**
     * MADV_HUGEPAGE fails with EINVAL on kernels built without THP; the memory then simply stays
     * on 4 KiB pages, which is correct, only slower.
     */
    private static boolean adviseHugePages(long start, long size) throws NativeCallException {
        try {
            Libc.madvise(start, size, LibcConstants.MADV_HUGEPAGE);
            return true;
        } catch (NativeCallException e) {
            if (e.errno() == LibcConstants.EINVAL) {
                return false;
            }
            throw e;
        }
    }

    /** MADV_POPULATE_WRITE (Linux 5.14+) in one call; older kernels: write to every page. */
    private static void prefault(MemorySegment memory) throws NativeCallException {
        try {
            Libc.madvise(memory.address(), memory.byteSize(), LibcConstants.MADV_POPULATE_WRITE);
        } catch (NativeCallException e) {
            if (e.errno() != LibcConstants.EINVAL) {
                throw e;
            }
            for (long offset = 0; offset < memory.byteSize(); offset += PAGE_SIZE) {
                memory.set(ValueLayout.JAVA_BYTE, offset, (byte) 0);
            }
        }
    }

    private static void unmapQuietly(long address, long size) {
        try {
            Libc.munmap(address, size);
        } catch (NativeCallException e) {
            // Only invalid arguments make munmap fail; nothing useful to do during cleanup.
        }
    }

    /** Size in bytes. */
    public long size() {
        return memory.byteSize();
    }

    /** The whole region, for building the guest image in place; invalid after close. */
    public MemorySegment segment() {
        return memory;
    }

    /** Whether MADV_HUGEPAGE was applied (huge pages asked for, region >= 2 MiB, THP built in). */
    public boolean hugePagesAdvised() {
        return hugePagesAdvised;
    }

    /** Host virtual address of the first byte (kvm_userspace_memory_region.userspace_addr). */
    long hostAddress() {
        return memory.address();
    }

    /** Copies {@code data} into guest memory at {@code offset}. */
    public void write(long offset, byte[] data) {
        MemorySegment.copy(data, 0, memory, ValueLayout.JAVA_BYTE, offset, data.length);
    }

    /** Copies {@code length} bytes out of guest memory starting at {@code offset}. */
    public byte[] read(long offset, int length) {
        return memory.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    void registered() {
        registrations.incrementAndGet();
    }

    void unregistered() {
        registrations.decrementAndGet();
    }

    /** True while at least one VM memslot points at this memory. */
    public boolean isRegistered() {
        return registrations.get() > 0;
    }

    /**
     * Unmaps the memory. Any later access through {@link #segment()} fails with
     * IllegalStateException rather than touching unmapped pages.
     *
     * @throws IllegalStateException while a VM still has the memory registered
     */
    @Override
    public synchronized void close() {
        if (isRegistered()) {
            throw new IllegalStateException(
                    "guest memory is still registered with a VM; close the VM first");
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
