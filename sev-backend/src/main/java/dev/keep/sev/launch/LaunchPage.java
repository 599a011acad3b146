package dev.keep.sev.launch;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageType;

/**
 * One 4 KiB page of an SEV-SNP launch, as the firmware sees it: where it goes, its page type and
 * the bytes the VMM hands over.
 *
 * @param gpa guest-physical address; {@link LaunchDigest#VMSA_GPA} for a VMSA page
 * @param type the SNP_LAUNCH_UPDATE page type
 * @param bytes the page's 4096 bytes for NORMAL, CPUID, SECRETS (zeros: the firmware fills it) and
 *     VMSA pages; {@code null} for ZERO pages, whose source KVM ignores
 */
public record LaunchPage(long gpa, PageType type, byte[] bytes) {

    public LaunchPage {
        if (type == PageType.ZERO) {
            if (bytes != null) {
                throw new IllegalArgumentException("a ZERO page carries no bytes");
            }
        } else if (bytes == null || bytes.length != LaunchDigest.PAGE_SIZE) {
            throw new IllegalArgumentException(type + " page at 0x" + Long.toHexString(gpa)
                    + " needs exactly 4096 bytes");
        } else {
            bytes = bytes.clone();
        }
    }

    /** A copy of the page's bytes, or {@code null} for a ZERO page. */
    @Override
    public byte[] bytes() {
        return bytes == null ? null : bytes.clone();
    }

    @Override
    public String toString() {
        return "LaunchPage[" + type + " at 0x" + Long.toHexString(gpa) + "]";
    }
}
