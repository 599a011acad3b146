package dev.keep.sev.launch;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageType;

/**
 * One KVM_SEV_SNP_LAUNCH_UPDATE call: a run of contiguous pages of one type. KVM splits it into
 * 4 KiB pages in ascending GPA order, so issuing the runs of {@link SnpLaunchPlan#launchUpdates()}
 * in order measures exactly the pages of {@link SnpLaunchPlan#pages()} (without the VMSA).
 *
 * @param gpa first guest-physical address ({@code gfn_start = gpa >> 12})
 * @param length bytes, a multiple of 4096 ({@code len})
 * @param type the page type ({@code type})
 * @param data the {@code length} source bytes ({@code uaddr}); {@code null} for ZERO runs
 */
public record LaunchUpdate(long gpa, long length, PageType type, byte[] data) {

    public LaunchUpdate {
        if (length <= 0 || length % LaunchDigest.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("a launch update covers whole pages, got " + length + " bytes");
        }
        if ((type == PageType.ZERO) != (data == null) || (data != null && data.length != length)) {
            throw new IllegalArgumentException(type + " run at 0x" + Long.toHexString(gpa)
                    + (type == PageType.ZERO ? " carries no data" : " needs exactly " + length + " bytes"));
        }
        data = data == null ? null : data.clone();
    }

    @Override
    public byte[] data() {
        return data == null ? null : data.clone();
    }

    public long pageCount() {
        return length / LaunchDigest.PAGE_SIZE;
    }

    @Override
    public String toString() {
        return "LaunchUpdate[" + type + " 0x" + Long.toHexString(gpa) + "+0x" + Long.toHexString(length) + "]";
    }
}
