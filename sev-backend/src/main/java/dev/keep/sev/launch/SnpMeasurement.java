package dev.keep.sev.launch;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageAttributes;

/**
 * The expected MEASUREMENT of an SEV-SNP attestation report for a launch plan: the launch digest of
 * its pages, in order, as the firmware computes it. The guest policy, the ID block and host_data
 * are not part of it (the report has separate fields for them).
 */
public final class SnpMeasurement {
    private SnpMeasurement() {
    }

    /** 48 bytes: the SHA-384 chain over one PAGE_INFO per page of {@link SnpLaunchPlan#pages()}. */
    public static byte[] of(SnpLaunchPlan plan) {
        if (plan == null) {
            throw new IllegalArgumentException("no launch plan to measure");
        }
        LaunchDigest digest = new LaunchDigest();
        for (LaunchPage page : plan.pages()) {
            // KVM's uAPI cannot set IMI or VMPL permissions, so every page is added with none.
            digest.addPage(page.type(), page.gpa(), page.bytes(), PageAttributes.NONE);
        }
        return digest.digest();
    }
}
