package dev.keep.attestation.report;

/** PLATFORM_INFO: platform features that were enabled when the report was made. */
public record PlatformInfo(long raw) {
    public boolean smtEnabled() {
        return bit(0);
    }

    public boolean tsmeEnabled() {
        return bit(1);
    }

    public boolean eccEnabled() {
        return bit(2);
    }

    public boolean raplDisabled() {
        return bit(3);
    }

    public boolean ciphertextHidingEnabled() {
        return bit(4);
    }

    /** Report v3+ only. */
    public boolean aliasCheckComplete() {
        return bit(5);
    }

    /** Report v5 only. */
    public boolean tioEnabled() {
        return bit(7);
    }

    private boolean bit(int index) {
        return ((raw >>> index) & 1) != 0;
    }
}
