package dev.keep.sev;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The answer of SNP_PLATFORM_STATUS ({@code struct sev_user_data_snp_status}): firmware API version
 * and build, platform state, feature flags and the two TCB versions. The TCB values are kept raw;
 * their byte layout depends on the CPU generation (sev-snp.md §2.3).
 */
public record SnpPlatformStatus(int apiMajor, int apiMinor, int state, boolean rmpInitialized, long buildId,
                                int featureFlags, long guestCount, long currentTcb, long reportedTcb) {

    /** SNP platform states (SEV-SNP ABI): the firmware must be INIT before guests can launch. */
    public static final int STATE_UNINIT = 0;
    public static final int STATE_INIT = 1;

    public static SnpPlatformStatus decode(byte[] raw) {
        if (raw == null || raw.length != SevIoctl.SNP_STATUS_SIZE) {
            throw new IllegalArgumentException("SNP platform status is 32 bytes, got "
                    + (raw == null ? "none" : raw.length));
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        return new SnpPlatformStatus(
                b.get(SevIoctl.SNP_STATUS_OFFSET_API_MAJOR) & 0xFF,
                b.get(SevIoctl.SNP_STATUS_OFFSET_API_MINOR) & 0xFF,
                b.get(SevIoctl.SNP_STATUS_OFFSET_STATE) & 0xFF,
                (b.get(SevIoctl.SNP_STATUS_OFFSET_RMP_FLAGS) & 1) != 0,
                b.getInt(SevIoctl.SNP_STATUS_OFFSET_BUILD_ID) & 0xFFFF_FFFFL,
                b.getInt(SevIoctl.SNP_STATUS_OFFSET_FEATURE_FLAGS),
                b.getInt(SevIoctl.SNP_STATUS_OFFSET_GUEST_COUNT) & 0xFFFF_FFFFL,
                b.getLong(SevIoctl.SNP_STATUS_OFFSET_CURRENT_TCB),
                b.getLong(SevIoctl.SNP_STATUS_OFFSET_REPORTED_TCB));
    }

    /** For example {@code 1.55 build 29}. */
    public String firmwareVersion() {
        return apiMajor + "." + apiMinor + " build " + buildId;
    }

    public String stateName() {
        return switch (state) {
            case STATE_UNINIT -> "UNINIT";
            case STATE_INIT -> "INIT";
            default -> "unknown state " + state;
        };
    }

    public boolean maskChipId() {
        return (featureFlags & 1) != 0;
    }

    public boolean maskChipKey() {
        return (featureFlags & 2) != 0;
    }

    public boolean vlekEnabled() {
        return (featureFlags & 4) != 0;
    }

    public String reportedTcbHex() {
        return String.format("%016x", reportedTcb);
    }

    public String currentTcbHex() {
        return String.format("%016x", currentTcb);
    }
}
