package dev.keep.kvm;

/**
 * The libc / Linux constants (x86-64) this module passes to system calls. Every public static final
 * field is named exactly like its C macro: the ABI test enumerates this class by reflection and
 * compares each value with the system headers, so a constant added here is checked automatically.
 */
public final class LibcConstants {

    private LibcConstants() {}

    // <fcntl.h>
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;

    // <sys/mman.h>
    public static final int PROT_NONE = 0;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int PROT_EXEC = 4;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_NORESERVE = 0x4000;
    public static final int MADV_HUGEPAGE = 14;
    /** Linux 5.14+: populate (prefault) page tables writable; older kernels answer EINVAL. */
    public static final int MADV_POPULATE_WRITE = 23;

    // <sys/eventfd.h>
    public static final int EFD_CLOEXEC = 0x80000;
    public static final int EFD_NONBLOCK = 0x800;

    // <errno.h>
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
}
