package dev.keep.sev.launch;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.PageRole;
import dev.keep.shim.image.PhysicalRange;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest-physical pages an SEV-SNP keep shares with the host in clear: a run of pages whose
 * {@link PageRole#shared()} is true (the hostcall mailbox; in an SNP image also the GHCB and the
 * guest-request exchange pages). The launcher leaves them shared (KVM_SET_MEMORY_ATTRIBUTES never
 * makes them private), the launch does not measure them, and {@link MapGpaRangeHandler} lets the keep
 * convert exactly these pages to shared and nothing else.
 *
 * @param gpa first guest-physical address (page aligned)
 * @param size bytes (a positive multiple of 4096)
 * @param role what the pages are for, named in messages
 */
public record SharedRange(long gpa, long size, PageRole role) {

    private static final long PAGE = LaunchDigest.PAGE_SIZE;

    public SharedRange {
        if (role == null || gpa < 0 || size <= 0 || gpa % PAGE != 0 || size % PAGE != 0 || gpa > Long.MAX_VALUE - size) {
            throw new IllegalArgumentException(String.format(
                    "a shared range needs a role and whole pages, got %#x+%#x (%s)", gpa, size, role));
        }
    }

    public long end() {
        return gpa + size;
    }

    /** Whether {@code [from, from + length)} lies entirely inside this range. */
    public boolean covers(long from, long length) {
        return from >= gpa && length >= 0 && from <= end() - length;
    }

    /** Whether {@code [from, from + length)} shares at least one byte with this range. */
    public boolean overlaps(long from, long length) {
        return from < end() && from + length > gpa;
    }

    /** The shared ranges of {@code image}, in ascending GPA order: one per run of a shared role. */
    public static List<SharedRange> of(KeepImage image) {
        List<SharedRange> ranges = new ArrayList<>();
        for (PhysicalRange range : image.pageMap().physicalRanges()) {
            if (range.role().shared()) {
                ranges.add(new SharedRange(range.address(), range.size(), range.role()));
            }
        }
        return List.copyOf(ranges);
    }

    @Override
    public String toString() {
        return String.format("%#x+%#x (%s)", gpa, size, role);
    }
}
