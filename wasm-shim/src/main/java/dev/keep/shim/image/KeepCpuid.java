package dev.keep.shim.image;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The explicit CPUID table of a keep. It is built from the keep's own needs, never copied from
 * KVM_GET_SUPPORTED_CPUID (which hides SSE3..AVX on some nested hosts), so the same inputs always
 * give the same table and the measurement can be predicted. The VMM checks the host CPU has every
 * feature the table claims before it launches the keep.
 */
public final class KeepCpuid {
    private KeepCpuid() {
    }

    // Leaf 1 ECX
    public static final int L1_ECX_SSE3 = 1;
    public static final int L1_ECX_PCLMULQDQ = 1 << 1;
    public static final int L1_ECX_SSSE3 = 1 << 9;
    public static final int L1_ECX_FMA = 1 << 12;
    public static final int L1_ECX_CX16 = 1 << 13;
    public static final int L1_ECX_SSE41 = 1 << 19;
    public static final int L1_ECX_SSE42 = 1 << 20;
    public static final int L1_ECX_MOVBE = 1 << 22;
    public static final int L1_ECX_POPCNT = 1 << 23;
    public static final int L1_ECX_AES = 1 << 25;
    public static final int L1_ECX_XSAVE = 1 << 26;
    public static final int L1_ECX_OSXSAVE = 1 << 27;
    public static final int L1_ECX_AVX = 1 << 28;
    public static final int L1_ECX_F16C = 1 << 29;
    public static final int L1_ECX_RDRAND = 1 << 30;
    public static final int L1_ECX_HYPERVISOR = 1 << 31;
    // Leaf 1 EDX
    public static final int L1_EDX_FPU = 1;
    public static final int L1_EDX_TSC = 1 << 4;
    public static final int L1_EDX_PAE = 1 << 6;
    public static final int L1_EDX_CX8 = 1 << 8;
    public static final int L1_EDX_CMOV = 1 << 15;
    public static final int L1_EDX_PAT = 1 << 16;
    public static final int L1_EDX_CLFSH = 1 << 19;
    public static final int L1_EDX_MMX = 1 << 23;
    public static final int L1_EDX_FXSR = 1 << 24;
    public static final int L1_EDX_SSE = 1 << 25;
    public static final int L1_EDX_SSE2 = 1 << 26;
    // Leaf 7.0 EBX
    public static final int L7_EBX_BMI1 = 1 << 3;
    public static final int L7_EBX_AVX2 = 1 << 5;
    public static final int L7_EBX_BMI2 = 1 << 8;
    public static final int L7_EBX_RDSEED = 1 << 18;
    public static final int L7_EBX_ADX = 1 << 19;
    // Leaf 0x80000001
    public static final int LX1_ECX_LAHF = 1;
    public static final int LX1_ECX_LZCNT = 1 << 5;
    public static final int LX1_ECX_PREFETCHW = 1 << 8;
    public static final int LX1_EDX_NX = 1 << 20;
    public static final int LX1_EDX_LM = 1 << 29;
    // Leaf 0x8000001F EAX (memory encryption; sev-snp.md section 5.1)
    public static final int LX1F_EAX_SEV = 1 << 1;
    public static final int LX1F_EAX_SEV_ES = 1 << 3;
    public static final int LX1F_EAX_SNP = 1 << 4;
    public static final int LEAF_MEMORY_ENCRYPTION = 0x8000_001F;

    /** XSAVE area size for x87 + SSE + AVX: 512 legacy + 64 header + 256 upper YMM halves. */
    public static final int XSAVE_AREA_SIZE = 0x340;
    /** Where the AVX (YMM_Hi128) component sits in the standard XSAVE layout. */
    public static final int XSAVE_AVX_OFFSET = 576;
    public static final int XSAVE_AVX_SIZE = 256;

    /**
     * The table for a keep.
     *
     * @param vendor the 12-character vendor string the keep reports (e.g. "AuthenticAMD")
     * @param signature leaf 1 EAX (family, model, stepping)
     * @param xcr0 the XCR0 the keep runs with; leaf 0xD reports exactly these components
     */
    public static List<CpuidLeaf> table(String vendor, int signature, long xcr0) {
        return leaves(vendor, signature, xcr0, 0x8000_0008);
    }

    /**
     * The table for an SEV-SNP keep: the plain table, with the highest extended leaf raised to
     * 0x8000001F and that leaf added (EAX: SEV, SEV-ES and SNP; EBX[5:0]: the C-bit position, the
     * physical-address reduction in EBX[11:6] left 0). The launch puts this table into the CPUID
     * page, and the keep reads its C-bit position back from there at boot.
     *
     * @param cBitPosition the C-bit position the keep's page tables use (32..51)
     */
    public static List<CpuidLeaf> snpTable(String vendor, int signature, long xcr0,
            int cBitPosition) {
        if (cBitPosition < KeepImageBuilder.MIN_C_BIT || cBitPosition > KeepImageBuilder.MAX_C_BIT) {
            throw new IllegalArgumentException(String.format("C-bit position %d is not in %d..%d",
                    cBitPosition, KeepImageBuilder.MIN_C_BIT, KeepImageBuilder.MAX_C_BIT));
        }
        List<CpuidLeaf> leaves = new java.util.ArrayList<>(
                leaves(vendor, signature, xcr0, LEAF_MEMORY_ENCRYPTION));
        leaves.add(new CpuidLeaf(LEAF_MEMORY_ENCRYPTION, 0, false,
                LX1F_EAX_SEV | LX1F_EAX_SEV_ES | LX1F_EAX_SNP, cBitPosition, 0, 0));
        return List.copyOf(leaves);
    }

    private static List<CpuidLeaf> leaves(String vendor, int signature, long xcr0,
            int maxExtendedLeaf) {
        byte[] v = vendor.getBytes(StandardCharsets.US_ASCII);
        if (v.length != 12 || !vendor.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            throw new IllegalArgumentException(
                    "CPU vendor must be 12 printable ASCII characters: \"" + vendor + "\"");
        }
        int ebx = le(v, 0);
        int edx = le(v, 4);
        int ecx = le(v, 8);
        int leaf1Ecx = L1_ECX_SSE3 | L1_ECX_PCLMULQDQ | L1_ECX_SSSE3 | L1_ECX_FMA | L1_ECX_CX16
                | L1_ECX_SSE41 | L1_ECX_SSE42 | L1_ECX_MOVBE | L1_ECX_POPCNT | L1_ECX_AES
                | L1_ECX_XSAVE | L1_ECX_OSXSAVE | L1_ECX_AVX | L1_ECX_F16C | L1_ECX_RDRAND
                | L1_ECX_HYPERVISOR;
        int leaf1Edx = L1_EDX_FPU | L1_EDX_TSC | L1_EDX_PAE | L1_EDX_CX8 | L1_EDX_CMOV
                | L1_EDX_PAT | L1_EDX_CLFSH | L1_EDX_MMX | L1_EDX_FXSR | L1_EDX_SSE | L1_EDX_SSE2;
        // CLFLUSH line size 8 qwords (64 bytes), one logical processor, APIC id 0.
        int leaf1Ebx = (8 << 8) | (1 << 16);
        // No RDSEED: nothing in a keep needs it (random_get retries RDRAND), and claiming it would
        // refuse hosts whose CPUs lack it, such as the AMD EPYC VMs Keep is developed on.
        int leaf7Ebx = L7_EBX_BMI1 | L7_EBX_AVX2 | L7_EBX_BMI2 | L7_EBX_ADX;
        int xsaveSize = (xcr0 & EntryState.XCR0_AVX) != 0 ? XSAVE_AREA_SIZE : 576;
        return List.of(
                new CpuidLeaf(0, 0, false, 0xD, ebx, ecx, edx),
                new CpuidLeaf(1, 0, false, signature, leaf1Ebx, leaf1Ecx, leaf1Edx),
                new CpuidLeaf(7, 0, true, 0, leaf7Ebx, 0, 0),
                new CpuidLeaf(0xD, 0, true, (int) xcr0, xsaveSize, xsaveSize, (int) (xcr0 >>> 32)),
                new CpuidLeaf(0xD, 1, true, 0, 0, 0, 0),
                new CpuidLeaf(0xD, 2, true, XSAVE_AVX_SIZE, XSAVE_AVX_OFFSET, 0, 0),
                new CpuidLeaf(0x8000_0000, 0, false, maxExtendedLeaf, ebx, ecx, edx),
                new CpuidLeaf(0x8000_0001, 0, false, 0, 0,
                        LX1_ECX_LAHF | LX1_ECX_LZCNT | LX1_ECX_PREFETCHW,
                        LX1_EDX_NX | LX1_EDX_LM),
                // 48 physical and 48 virtual address bits.
                new CpuidLeaf(0x8000_0008, 0, false, 0x3030, 0, 0, 0));
    }

    private static int le(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16
                | (b[at + 3] & 0xFF) << 24;
    }
}
