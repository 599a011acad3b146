package dev.keep.sev.launch;

/**
 * An SEV-SNP launch step failed. The message is one line naming the step, the kernel's errno (if
 * the kernel was reached) and the SEV firmware status by name (if the firmware was reached), e.g.
 * {@code SNP_LAUNCH_UPDATE of CPUID 0x31000+0x1000 failed: Input/output error (errno 5), firmware
 * error 0x16 INVALID_PARAM}.
 */
public final class SnpLaunchException extends Exception {

    private final int errno;
    private final int firmwareError;

    /** A step that failed without a kernel errno, e.g. a device that is missing or a refused argument. */
    public SnpLaunchException(String message) {
        super(message);
        this.errno = 0;
        this.firmwareError = SevFirmwareError.SUCCESS;
    }

    /**
     * A step the kernel failed with {@code errno}; {@code firmwareError} is {@code kvm_sev_cmd.error}
     * (0 when the firmware was not reached or the step was not a firmware command).
     */
    public SnpLaunchException(String step, int errno, String errnoText, int firmwareError) {
        super(step + " failed: " + errnoText + " (errno " + errno + ")"
                + (firmwareError != SevFirmwareError.SUCCESS
                        ? ", firmware error " + SevFirmwareError.describe(firmwareError) : ""));
        this.errno = errno;
        this.firmwareError = firmwareError;
    }

    /** The kernel's errno, or 0 when the failure did not come from a system call. */
    public int errno() {
        return errno;
    }

    /** The SEV firmware status ({@link SevFirmwareError}), 0 when the firmware did not fail. */
    public int firmwareError() {
        return firmwareError;
    }
}
