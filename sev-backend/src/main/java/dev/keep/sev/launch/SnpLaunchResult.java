package dev.keep.sev.launch;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageAttributes;
import java.util.List;
import java.util.Optional;

/**
 * What an SEV-SNP launch actually did: every SNP_LAUNCH_UPDATE KVM accepted, in order (the pieces
 * of a partially processed update separately; a corrected CPUID page with the firmware's bytes),
 * the VMSA KVM measured at LAUNCH_FINISH, and the CPUID correction if there was one.
 *
 * @param issued the accepted SNP_LAUNCH_UPDATE calls in order
 * @param vmsa vCPU 0's VMSA, measured last
 * @param cpuidCorrection the firmware's CPUID page correction, if the first CPUID update was rejected
 */
public record SnpLaunchResult(List<LaunchUpdate> issued, LaunchPage vmsa, Optional<CpuidCorrection> cpuidCorrection) {

    public SnpLaunchResult {
        issued = List.copyOf(issued);
    }

    /**
     * The launch digest of what was issued: one PAGE_INFO per page of {@link #issued()}, then the
     * VMSA. This is the MEASUREMENT the firmware reports for this launch; it equals
     * {@link SnpMeasurement#of} of the plan (what {@code keep measure} prints), also after a CPUID
     * correction, because CPUID page contents are not measured.
     */
    public byte[] measurement() {
        LaunchDigest digest = new LaunchDigest();
        for (LaunchUpdate update : issued) {
            digest.addRegion(update.type(), update.gpa(), update.data(), update.length(), PageAttributes.NONE);
        }
        digest.addPage(vmsa.type(), vmsa.gpa(), vmsa.bytes(), PageAttributes.NONE);
        return digest.digest();
    }
}
