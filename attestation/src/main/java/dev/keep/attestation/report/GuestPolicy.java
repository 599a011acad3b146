package dev.keep.attestation.report;

/**
 * The guest POLICY word fixed at launch (SNP ABI, also go-sev-guest {@code ParseSnpPolicy}): bits 7:0 ABI minor,
 * 15:8 ABI major, 16 SMT allowed, 17 reserved (must be 1), 18 migration agent allowed, 19 debug allowed, 20 single
 * socket, 21 CXL allowed, 22 AES-256-XTS required, 23 RAPL disabled, 24 ciphertext hiding, 25 page swap disabled.
 */
public record GuestPolicy(long raw) {
    /** Bits 63:26 must be zero. */
    private static final long MBZ_MASK = ~((1L << 26) - 1);

    public int abiMinor() {
        return (int) (raw & 0xFF);
    }

    public int abiMajor() {
        return (int) ((raw >>> 8) & 0xFF);
    }

    public boolean smtAllowed() {
        return bit(16);
    }

    public boolean reservedOneSet() {
        return bit(17);
    }

    public boolean migrationAgentAllowed() {
        return bit(18);
    }

    public boolean debugAllowed() {
        return bit(19);
    }

    public boolean singleSocket() {
        return bit(20);
    }

    public boolean cxlAllowed() {
        return bit(21);
    }

    public boolean memAes256Xts() {
        return bit(22);
    }

    public boolean raplDisabled() {
        return bit(23);
    }

    public boolean ciphertextHiding() {
        return bit(24);
    }

    public boolean pageSwapDisabled() {
        return bit(25);
    }

    /** Reserved bit 17 is one and bits 63:26 are zero, as the ABI demands. */
    public boolean wellFormed() {
        return reservedOneSet() && (raw & MBZ_MASK) == 0;
    }

    /** True when the guest's required ABI (major.minor) is at least the given one. */
    public boolean abiAtLeast(int major, int minor) {
        return abiMajor() > major || (abiMajor() == major && abiMinor() >= minor);
    }

    public String abi() {
        return abiMajor() + "." + abiMinor();
    }

    private boolean bit(int index) {
        return ((raw >>> index) & 1) != 0;
    }
}
