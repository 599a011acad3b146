package dev.keep.sev.launch;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.shim.image.CpuidLeaf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The CPUID page of an SNP launch: a keep's explicit CPUID table in the layout of Linux's
 * {@code struct snp_cpuid_table} (sev-snp.md §5.6). The firmware checks it against the host CPU at
 * SNP_LAUNCH_UPDATE; its bytes are not part of the launch digest (CPUID pages are measured with
 * zero CONTENTS), so the page changes what the keep sees but not its measurement.
 *
 * <pre>
 * 0x00 u32 count; 0x04 u32 reserved; 0x08 u64 reserved;
 * 0x10 + 48 * i: u32 eax_in; u32 ecx_in; u64 xcr0_in; u64 xss_in; u32 eax, ebx, ecx, edx; u64 reserved
 * </pre>
 */
public final class SnpCpuidPage {
    public static final int HEADER_SIZE = 16;
    public static final int ENTRY_SIZE = 48;
    /** The firmware's limit on entries (SNP_CPUID_COUNT_MAX). */
    public static final int MAX_ENTRIES = 64;
    /** The XSAVE leaf: its sub-leaves 0 and 1 report sizes that depend on XCR0 (and XSS). */
    static final int XSAVE_LEAF = 0xD;

    private SnpCpuidPage() {
    }

    /**
     * The page for {@code leaves}, in their order. {@code ecx_in} is the sub-leaf when it matters
     * and 0 otherwise. {@code xcr0_in} is {@code xcr0} for XSAVE sub-leaves 0 and 1, whose sizes the
     * keep computed for exactly that XCR0, and 0 elsewhere; {@code xss_in} is 0 (the keep's XSS is 0).
     */
    public static byte[] of(List<CpuidLeaf> leaves, long xcr0) {
        if (leaves.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("a CPUID page holds at most " + MAX_ENTRIES
                    + " entries, the keep has " + leaves.size());
        }
        ByteBuffer page = ByteBuffer.allocate(LaunchDigest.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        page.putInt(0, leaves.size());
        int at = HEADER_SIZE;
        for (CpuidLeaf leaf : leaves) {
            int subleaf = leaf.indexSignificant() ? leaf.index() : 0;
            boolean sizedForXcr0 = leaf.function() == XSAVE_LEAF && (subleaf == 0 || subleaf == 1);
            page.putInt(at, leaf.function());
            page.putInt(at + 4, subleaf);
            page.putLong(at + 8, sizedForXcr0 ? xcr0 : 0);
            page.putLong(at + 16, 0);
            page.putInt(at + 24, leaf.eax());
            page.putInt(at + 28, leaf.ebx());
            page.putInt(at + 32, leaf.ecx());
            page.putInt(at + 36, leaf.edx());
            page.putLong(at + 40, 0);
            at += ENTRY_SIZE;
        }
        return page.array();
    }
}
