package dev.keep.sev.launch;

/**
 * Guest-physical addresses the SEV-SNP launch adds to a keep image.
 *
 * <p>The image builder lays out the first 2 MiB as the system area and uses it only up to the end
 * of the hostcall mailbox (0x30000); the rest of it is unused, unmapped physical memory. The two
 * pages the firmware provides go right after the mailbox, so they sit in RAM every keep has
 * whatever its size, below every user region, and at addresses the in-keep SNP code can hard-code
 * (there is no firmware to hand them over in a {@code cc_blob_sev_info}, sev-snp.md §5.6).
 * {@link SnpLaunchPlan#of} refuses an image that uses either page for anything else.
 */
public final class SnpLaunchLayout {
    private SnpLaunchLayout() {
    }

    /** The secrets page (type SECRETS): VMPCK0..3 and the message sequence numbers (sev-snp.md §5.5). */
    public static final long SECRETS_PAGE_GPA = 0x30000;
    /** The CPUID page (type CPUID): the keep's CPUID table as {@code struct snp_cpuid_table} (§5.6). */
    public static final long CPUID_PAGE_GPA = 0x31000;
}
