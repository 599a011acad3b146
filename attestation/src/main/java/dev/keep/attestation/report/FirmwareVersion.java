package dev.keep.attestation.report;

/** SNP firmware version as major.minor.build (CURRENT_* and COMMITTED_* fields). */
public record FirmwareVersion(int major, int minor, int build) {
    @Override
    public String toString() {
        return major + "." + minor + "." + build;
    }
}
