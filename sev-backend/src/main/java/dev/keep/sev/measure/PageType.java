package dev.keep.sev.measure;

/**
 * The page types of SNP_LAUNCH_UPDATE, with the firmware's numeric codes (AMD SEV-SNP ABI, PAGE_INFO
 * PAGE_TYPE; KVM's {@code KVM_SEV_SNP_PAGE_TYPE_*} use the same values).
 */
public enum PageType {
    NORMAL(0x01, true),
    VMSA(0x02, true),
    ZERO(0x03, false),
    UNMEASURED(0x04, false),
    SECRETS(0x05, false),
    CPUID(0x06, false);

    private final int code;
    private final boolean contentsMeasured;

    PageType(int code, boolean contentsMeasured) {
        this.code = code;
        this.contentsMeasured = contentsMeasured;
    }

    /** The PAGE_TYPE byte the firmware puts into PAGE_INFO. */
    public int code() {
        return code;
    }

    /**
     * Whether the firmware hashes the page's bytes into PAGE_INFO.CONTENTS. Only NORMAL and VMSA
     * pages are; for the others CONTENTS is 48 zero bytes whatever the page holds.
     */
    public boolean contentsMeasured() {
        return contentsMeasured;
    }

    public static PageType fromCode(int code) {
        for (PageType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown SNP page type code " + code);
    }
}
