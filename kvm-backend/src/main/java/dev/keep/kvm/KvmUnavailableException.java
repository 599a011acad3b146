package dev.keep.kvm;

/**
 * The KVM device cannot be used on this host at all: it is missing, not accessible, or not a KVM
 * device. The message says which, and what to do about it where there is something to do.
 */
public final class KvmUnavailableException extends KvmException {

    public KvmUnavailableException(String message) {
        super(message);
    }
}
