package dev.keep.sev;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * What CPUID says about memory encryption: the vendor (leaf 0), the highest extended leaf
 * (0x80000000.EAX) and, when the CPU has it, leaf 0x8000001F (AMD APM vol. 3, "Encrypted Memory
 * Capabilities"): EAX bit 1 SEV, bit 3 SEV-ES, bit 4 SEV-SNP, bit 5 VMPL; EBX[5:0] C-bit position,
 * EBX[11:6] physical address bits lost, EBX[15:12] number of VMPLs; ECX number of encrypted guests;
 * EDX lowest ASID usable by a plain SEV guest.
 */
public record CpuidSevInfo(String vendor, long maxExtendedLeaf, boolean leafPresent, int eax, int ebx, int ecx,
                           int edx) {

    public static final String AMD_VENDOR = "AuthenticAMD";
    public static final int SEV_LEAF = 0x8000001F;
    private static final int EXTENDED_BASE_LEAF = 0x80000000;

    /** Reads leaves 0, 0x80000000 and (if present) 0x8000001F; exceptions of the source pass through. */
    public static CpuidSevInfo read(CpuidSource cpuid) {
        int[] leaf0 = checked(cpuid.cpuid(0, 0), 0);
        ByteBuffer vendorBytes = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(leaf0[1]).putInt(leaf0[3]).putInt(leaf0[2]);
        String vendor = new String(vendorBytes.array(), StandardCharsets.US_ASCII);
        long maxExtended = checked(cpuid.cpuid(EXTENDED_BASE_LEAF, 0), EXTENDED_BASE_LEAF)[0] & 0xFFFF_FFFFL;
        // Without the extended range (max < 0x80000000) the value is meaningless; treat it as "no leaf".
        boolean present = maxExtended >= (SEV_LEAF & 0xFFFF_FFFFL) && maxExtended <= 0x8FFF_FFFFL;
        if (!present) {
            return new CpuidSevInfo(vendor, maxExtended, false, 0, 0, 0, 0);
        }
        int[] sev = checked(cpuid.cpuid(SEV_LEAF, 0), SEV_LEAF);
        return new CpuidSevInfo(vendor, maxExtended, true, sev[0], sev[1], sev[2], sev[3]);
    }

    private static int[] checked(int[] regs, int leaf) {
        if (regs == null || regs.length != 4) {
            throw new IllegalStateException("CPUID source returned no 4 registers for leaf 0x"
                    + Integer.toHexString(leaf));
        }
        return regs;
    }

    public boolean isAmd() {
        return AMD_VENDOR.equals(vendor);
    }

    public boolean sevSupported() {
        return leafPresent && (eax & (1 << 1)) != 0;
    }

    public boolean sevEsSupported() {
        return leafPresent && (eax & (1 << 3)) != 0;
    }

    public boolean snpSupported() {
        return leafPresent && (eax & (1 << 4)) != 0;
    }

    public boolean vmplSupported() {
        return leafPresent && (eax & (1 << 5)) != 0;
    }

    /** The page-table bit that marks a page encrypted (the C-bit). */
    public int cBitPosition() {
        return ebx & 0x3F;
    }

    public int physicalAddressReduction() {
        return (ebx >>> 6) & 0x3F;
    }

    public int vmplCount() {
        return (ebx >>> 12) & 0xF;
    }

    public long maxEncryptedGuests() {
        return ecx & 0xFFFF_FFFFL;
    }

    public long minSevAsid() {
        return edx & 0xFFFF_FFFFL;
    }
}
