package dev.keep.sev.measure.ovmf;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.Sha;
import java.security.MessageDigest;

/**
 * Expected launch measurements of OVMF-based guests (QEMU measured direct boot, EC2, GCE, Coconut
 * SVSM) and the older SEV / SEV-ES launch digests, computed the way those hypervisors issue their
 * launch commands. Keep's own guests do not use OVMF; this exists so that measurements of other
 * VMMs' guests can be predicted, and it is how the published reference vectors exercise
 * {@link LaunchDigest} with every page type.
 */
public final class OvmfMeasurement {

    private OvmfMeasurement() {
    }

    /** Inputs of a direct kernel boot: kernel bytes, optional initrd bytes, optional command line. */
    public record DirectBoot(byte[] kernel, byte[] initrd, String cmdline) {
        SevHashesTable table() {
            return SevHashesTable.of(kernel, initrd, cmdline);
        }
    }

    /** The digest after all firmware pages were added as NORMAL pages (the "OVMF hash"). */
    public static byte[] snpFirmwareDigest(OvmfImage ovmf) {
        return new LaunchDigest().addNormalPages(ovmf.gpa(), ovmf.data()).digest();
    }

    /**
     * The SNP measurement of an OVMF guest.
     *
     * @param firmwareDigest the digest after the firmware's pages if already known (then the image
     *                       is only read for its metadata), or null to hash the image's pages
     * @param boot           direct-boot inputs, or null when OVMF boots from disk
     */
    public static byte[] snp(OvmfImage ovmf, byte[] firmwareDigest, DirectBoot boot, int vcpus, long vcpuSignature,
                             long sevFeatures, VmmModel vmm) {
        checkVcpus(vcpus);
        LaunchDigest digest;
        if (firmwareDigest != null) {
            digest = LaunchDigest.resumingFrom(firmwareDigest);
        } else {
            digest = new LaunchDigest().addNormalPages(ovmf.gpa(), ovmf.data());
        }
        addMetadataPages(digest, ovmf, boot, vmm);
        long apEip = ovmf.sevEsResetEip();
        for (int i = 0; i < vcpus; i++) {
            long eip = i == 0 ? ResetVmsa.BSP_RESET_EIP : apEip;
            digest.addVmsaPage(ResetVmsa.realMode(vmm, eip, sevFeatures, vcpuSignature));
        }
        return digest.digest();
    }

    /**
     * The SNP measurement of a Coconut SVSM guest under QEMU: OVMF ends at 4 GiB, the SVSM image
     * ends where OVMF's variable store (of {@code ovmfVarsSize} bytes) begins, and the SVSM's
     * metadata decides the remaining pages.
     */
    public static byte[] snpSvsm(byte[] ovmfBytes, long ovmfVarsSize, byte[] svsmBytes, int vcpus,
                                 long vcpuSignature) {
        checkVcpus(vcpus);
        OvmfImage ovmf = OvmfImage.endingAtFourGiB(ovmfBytes);
        OvmfImage svsm = OvmfImage.endingAt(svsmBytes, ovmf.gpa() - ovmfVarsSize);
        LaunchDigest digest = new LaunchDigest()
                .addNormalPages(ovmf.gpa(), ovmf.data())
                .addNormalPages(svsm.gpa(), svsm.data());
        addMetadataPages(digest, svsm, null, VmmModel.QEMU);
        byte[] vmsa = ResetVmsa.svsm(svsm.svsmEntryEip(), vcpuSignature);
        for (int i = 0; i < vcpus; i++) {
            digest.addVmsaPage(vmsa);
        }
        return digest.digest();
    }

    /** The SEV-ES launch digest (SHA-256): firmware, hashes table if direct boot, then each VMSA. */
    public static byte[] sevEs(OvmfImage ovmf, DirectBoot boot, int vcpus, long vcpuSignature, VmmModel vmm) {
        checkVcpus(vcpus);
        MessageDigest sha = sevDigestOfFirmware(ovmf, boot);
        long apEip = ovmf.sevEsResetEip();
        for (int i = 0; i < vcpus; i++) {
            long eip = i == 0 ? ResetVmsa.BSP_RESET_EIP : apEip;
            sha.update(ResetVmsa.realMode(vmm, eip, 0, vcpuSignature));
        }
        return sha.digest();
    }

    /** The plain SEV launch digest (SHA-256): firmware, then the hashes table if direct boot. */
    public static byte[] sev(OvmfImage ovmf, DirectBoot boot) {
        return sevDigestOfFirmware(ovmf, boot).digest();
    }

    private static MessageDigest sevDigestOfFirmware(OvmfImage ovmf, DirectBoot boot) {
        MessageDigest sha = Sha.sha256();
        sha.update(ovmf.data());
        if (boot != null) {
            if (!ovmf.supportsSevHashesTable()) {
                throw new FirmwareFormatException("a kernel was given but the firmware cannot measure"
                        + " kernel/initrd/cmdline (no SEV hashes table)");
            }
            sha.update(boot.table().toBytes());
        }
        return sha;
    }

    private static void addMetadataPages(LaunchDigest digest, OvmfImage ovmf, DirectBoot boot, VmmModel vmm) {
        if (boot != null && !ovmf.hasSection(SectionType.SNP_KERNEL_HASHES)) {
            throw new FirmwareFormatException("a kernel was given but the firmware's SEV metadata has no"
                    + " SNP_KERNEL_HASHES section");
        }
        for (MetadataSection section : ovmf.metadataSections()) {
            switch (section.type()) {
                case SNP_SEC_MEM -> {
                    if (vmm == VmmModel.GCE) {
                        digest.addUnmeasuredPages(section.gpa(), section.size());
                    } else {
                        digest.addZeroPages(section.gpa(), section.size());
                    }
                }
                case SNP_SECRETS -> digest.addSecretsPage(section.gpa());
                case CPUID -> {
                    // EC2 inserts the CPUID page after every other metadata page.
                    if (vmm != VmmModel.EC2) {
                        digest.addCpuidPage(section.gpa());
                    }
                }
                case SVSM_CAA -> digest.addZeroPages(section.gpa(), section.size());
                case SNP_KERNEL_HASHES -> addKernelHashes(digest, ovmf, boot, section);
            }
        }
        if (vmm == VmmModel.EC2) {
            for (MetadataSection section : ovmf.metadataSections()) {
                if (section.type() == SectionType.CPUID) {
                    digest.addCpuidPage(section.gpa());
                }
            }
        }
    }

    private static void addKernelHashes(LaunchDigest digest, OvmfImage ovmf, DirectBoot boot,
                                        MetadataSection section) {
        if (boot == null) {
            digest.addZeroPages(section.gpa(), section.size());
            return;
        }
        if (section.size() != LaunchDigest.PAGE_SIZE) {
            throw new FirmwareFormatException("SNP_KERNEL_HASHES section is 0x" + Long.toHexString(section.size())
                    + " bytes, expected one page");
        }
        int offsetInPage = (int) (ovmf.sevHashesTableGpa() & 0xFFF);
        digest.addNormalPage(section.gpa(), boot.table().toPage(offsetInPage));
    }

    private static void checkVcpus(int vcpus) {
        if (vcpus < 1) {
            throw new IllegalArgumentException("at least one vCPU is needed, got " + vcpus);
        }
    }
}
