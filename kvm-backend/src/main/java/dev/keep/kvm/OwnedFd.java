package dev.keep.kvm;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file descriptor owned by exactly one object, closed exactly once. After close every use fails
 * with IllegalStateException instead of reaching a descriptor number the kernel may already have
 * handed to someone else. Also the single place that issues KVM ioctls, so each failure is
 * reported with the request's C name.
 */
final class OwnedFd implements AutoCloseable {

    private final int fd;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    OwnedFd(int fd, String description) {
        this.fd = fd;
        this.description = description;
    }

    /** The raw descriptor; fails once closed. */
    int get() {
        if (closed.get()) {
            throw new IllegalStateException(description + " is closed");
        }
        return fd;
    }

    boolean isClosed() {
        return closed.get();
    }

    /** ioctl with a pointer argument (a struct in native memory). */
    int ioctl(KvmIoctl request, MemorySegment argument) throws NativeCallException {
        return Libc.ioctl(get(), request.number(), argument, request.name());
    }

    /** ioctl with an integer argument (or none: pass 0). */
    int ioctl(KvmIoctl request, long value) throws NativeCallException {
        return Libc.ioctl(get(), request.number(), value, request.name());
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return description + (closed.get() ? " (closed)" : " (fd " + fd + ")");
    }
}
