package dev.keep.kvm;

/**
 * A guest_memfd (KVM_CREATE_GUEST_MEMFD, Linux 6.8+): memory only the guest can reach, which backs
 * the private pages of a confidential VM. Userspace cannot map it; it binds it to a memory slot
 * with {@link VmFd#setUserMemoryRegion2} and lets the firmware fill it (SNP_LAUNCH_UPDATE).
 * Closing it releases the memory once no slot uses it any more.
 */
public final class GuestMemfd implements AutoCloseable {

    private final OwnedFd fd;
    private final long size;

    GuestMemfd(OwnedFd fd, long size) {
        this.fd = fd;
        this.size = size;
    }

    /** The raw descriptor, as KVM_SET_USER_MEMORY_REGION2 wants it. */
    public int fd() {
        return fd.get();
    }

    /** Bytes of guest memory the file holds. */
    public long size() {
        return size;
    }

    @Override
    public void close() {
        fd.close();
    }
}
