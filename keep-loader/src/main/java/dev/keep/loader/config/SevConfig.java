package dev.keep.loader.config;

import dev.keep.sev.launch.SnpGuestPolicy;
import dev.keep.sev.launch.SnpIdBlock;
import dev.keep.sev.launch.SnpLaunchAbi;
import java.util.Optional;

/**
 * The {@code [sev]} section: what an SEV-SNP launch hands the firmware besides the measured image.
 * None of it changes the MEASUREMENT; the attestation report carries each in a field of its own
 * (POLICY, HOST_DATA, the ID block's FAMILY_ID/IMAGE_ID and key digests), so a verifier checks them
 * next to the measurement.
 *
 * @param policy the guest policy for SNP_LAUNCH_START; already checked to be one KVM accepts
 * @param hostData the 32 bytes of HOST_DATA for SNP_LAUNCH_FINISH (zeros unless Keep.toml sets them)
 * @param idBlock the ID block and its authentication structure, when Keep.toml names both files; its
 *     policy has been checked against {@code policy} (its launch digest can only be checked against
 *     the linked image, at launch or by {@code keep measure})
 */
public record SevConfig(SnpGuestPolicy policy, byte[] hostData, Optional<SnpIdBlock> idBlock) {

    public SevConfig {
        if (policy == null || hostData == null || hostData.length != SnpLaunchAbi.HOST_DATA_SIZE || idBlock == null) {
            throw new IllegalArgumentException("an [sev] section needs a policy, 32 bytes of host_data and an"
                    + " (optional) ID block");
        }
        hostData = hostData.clone();
    }

    /** No {@code [sev]} section: the default policy ({@link SnpGuestPolicy#defaults()}, 0x30000), zero host_data, no ID block. */
    public static SevConfig defaults() {
        return new SevConfig(SnpGuestPolicy.defaults(), new byte[SnpLaunchAbi.HOST_DATA_SIZE], Optional.empty());
    }

    @Override
    public byte[] hostData() {
        return hostData.clone();
    }
}
