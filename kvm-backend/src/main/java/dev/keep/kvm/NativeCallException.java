package dev.keep.kvm;

/**
 * A libc call (or one ioctl) returned an error. Carries the call's name, for example
 * {@code ioctl(KVM_CREATE_VM)}, and the errno the kernel reported, so callers can react to
 * specific errors (EINTR, E2BIG) while users see the strerror text.
 */
public final class NativeCallException extends KvmException {

    private final String call;
    private final int errno;

    public NativeCallException(String call, int errno) {
        super(call + " failed: " + Libc.strerror(errno) + " (errno " + errno + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The failing call as written in the message, e.g. {@code open(/dev/kvm)}. */
    public String call() {
        return call;
    }

    /** The errno value captured right after the call returned. */
    public int errno() {
        return errno;
    }
}
