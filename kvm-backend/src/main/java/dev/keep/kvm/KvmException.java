package dev.keep.kvm;

/**
 * A KVM or host-system operation failed. The message is one line that names what failed and why,
 * fit to show a user as is.
 */
public class KvmException extends Exception {

    public KvmException(String message) {
        super(message);
    }

    public KvmException(String message, Throwable cause) {
        super(message, cause);
    }
}
