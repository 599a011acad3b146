package dev.keep.sev.launch;

/**
 * The launch choices that change the measurement besides the image itself.
 *
 * <p>Only {@code sevFeatures} does: it is the {@code vmsa_features} value the launcher passes to
 * KVM_SEV_INIT2 and KVM copies into every VMSA's SEV_FEATURES field. The guest policy
 * (SNP_LAUNCH_START), the ID block, the ID auth block and host_data (SNP_LAUNCH_FINISH) are not
 * hashed into the launch digest; the report carries them in fields of their own, so they do not
 * belong here.
 *
 * @param sevFeatures SEV_FEATURES of the VMSA; bit 0 (SNPActive) must be set, because KVM sets it
 *     for every SNP guest whatever INIT2 asked for, and the prediction must equal what KVM measures
 */
public record SnpLaunchOptions(long sevFeatures) {

    /** SEV_FEATURES bit 0: SEV-SNP is active for the guest. */
    public static final long SNP_ACTIVE = 1L;
    /** SEV_FEATURES bit 5: DebugSwap (QEMU's default on kernels that support it; Keep does not use it). */
    public static final long DEBUG_SWAP = 1L << 5;

    public SnpLaunchOptions {
        if ((sevFeatures & SNP_ACTIVE) == 0) {
            throw new IllegalArgumentException(String.format(
                    "SEV features %#x lack SNPActive (bit 0), which KVM always sets for an SNP guest",
                    sevFeatures));
        }
    }

    /**
     * What Keep launches with: SNPActive only. The keep needs no debug-register swapping (it never
     * uses DR0-DR7), and every optional feature would have to be supported by the host's firmware.
     */
    public static SnpLaunchOptions defaults() {
        return new SnpLaunchOptions(SNP_ACTIVE);
    }
}
