package dev.keep.shim.image;

/**
 * What an SEV-SNP keep image adds to a plain one, for the launcher and for tests.
 *
 * @param cBitPosition the C-bit position the page tables carry (and the CPUID page reports)
 * @param userEntry the runtime's entry point, where the boot code drops to CPL3
 * @param code the ring-0 SNP code at {@link KeepLayout#SNP_CODE_ADDRESS} and its routines
 */
public record SnpKeep(int cBitPosition, long userEntry, SnpRing0Code.Assembled code) {

    /** The C-bit as a page-table mask. */
    public long cBitMask() {
        return 1L << cBitPosition;
    }
}
