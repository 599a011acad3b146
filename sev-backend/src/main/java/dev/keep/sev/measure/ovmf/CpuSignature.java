package dev.keep.sev.measure.ovmf;

/**
 * The CPUID(1).EAX signature of a vCPU model (AMD CPUID specification #25481, Fn0000_0001_EAX),
 * which KVM leaves in RDX at reset and so ends up in the VMSA.
 */
public final class CpuSignature {
    private CpuSignature() {
    }

    /** QEMU's EPYC, EPYC-v1..v4: family 0x17, model 1, stepping 2. */
    public static final long EPYC_V4 = of(0x17, 1, 2);
    public static final long EPYC_MILAN = of(0x19, 1, 1);
    public static final long EPYC_GENOA = of(0x19, 0x11, 0);

    /** Encodes family, model and stepping, splitting family above 0xF into base 0xF plus extended family. */
    public static long of(int family, int model, int stepping) {
        if (family < 0 || family > 0xF + 0xFF || model < 0 || model > 0xFF || stepping < 0 || stepping > 0xF) {
            throw new IllegalArgumentException("family/model/stepping out of range: " + family + "/" + model + "/"
                    + stepping);
        }
        int baseFamily = Math.min(family, 0xF);
        int extendedFamily = family > 0xF ? family - 0xF : 0;
        return ((long) extendedFamily << 20) | ((long) (model >> 4) << 16) | ((long) baseFamily << 8)
                | ((long) (model & 0xF) << 4) | stepping;
    }
}
