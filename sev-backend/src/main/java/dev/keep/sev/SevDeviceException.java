package dev.keep.sev;

/**
 * A call on /dev/sev failed: open, or an SEV_ISSUE_CMD whose kernel errno and firmware status are
 * both kept. The message is one line naming the call.
 */
public final class SevDeviceException extends Exception {

    private final int errno;
    private final int firmwareError;

    SevDeviceException(String call, int errno, int firmwareError) {
        super(call + " failed: " + Errno.describe(errno)
                + (firmwareError != 0 ? ", firmware status 0x" + Integer.toHexString(firmwareError) : ""));
        this.errno = errno;
        this.firmwareError = firmwareError;
    }

    public int errno() {
        return errno;
    }

    /** The SEV firmware status code the kernel passed back (0 when the firmware was not reached or succeeded). */
    public int firmwareError() {
        return firmwareError;
    }
}
