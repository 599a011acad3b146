package dev.keep.sev.launch;

import dev.keep.sev.CpuidSevInfo;
import dev.keep.sev.CpuidSource;
import dev.keep.sev.DevCpuidSource;
import dev.keep.shim.image.KeepImageBuilder;

/**
 * What an SEV-SNP launch needs to know about the host before it builds the keep image: the C-bit
 * position, CPUID 0x8000001F EBX[5:0]. The image's page tables carry that bit on every private page
 * and its CPUID page reports it, so an image built for another position would fault (or terminate
 * itself in its boot code) on this host. Only a host whose CPUID says SEV-SNP gets an instance.
 */
public final class SnpHost {
    private final int cBitPosition;

    private SnpHost(int cBitPosition) {
        this.cBitPosition = cBitPosition;
    }

    /**
     * The host as CPUID describes it.
     *
     * @throws SnpLaunchException (one line) when the CPU is not AMD, lacks leaf 0x8000001F, SEV or
     *     SEV-SNP, or reports a C-bit no keep image can use
     */
    public static SnpHost from(CpuidSevInfo cpuid) throws SnpLaunchException {
        if (cpuid == null) {
            throw new IllegalArgumentException("no CPUID information about the host");
        }
        String cannot = "this host cannot launch an SEV-SNP keep: ";
        if (!cpuid.isAmd()) {
            throw new SnpLaunchException(cannot + "the CPU is '" + cpuid.vendor() + "', not " + CpuidSevInfo.AMD_VENDOR);
        }
        if (!cpuid.leafPresent()) {
            throw new SnpLaunchException(String.format(cannot + "CPUID leaf 0x8000001f (encrypted memory) is absent"
                    + " (highest extended leaf %#x), so there is no SEV and no C-bit", cpuid.maxExtendedLeaf()));
        }
        if (!cpuid.sevSupported()) {
            throw new SnpLaunchException(String.format(cannot + "CPUID 0x8000001f EAX %#x lacks SEV (bit 1)",
                    cpuid.eax()));
        }
        if (!cpuid.snpSupported()) {
            throw new SnpLaunchException(String.format(cannot + "CPUID 0x8000001f EAX %#x has SEV but lacks SEV-SNP"
                    + " (bit 4)", cpuid.eax()));
        }
        int cBit = cpuid.cBitPosition();
        if (cBit < KeepImageBuilder.MIN_C_BIT || cBit > KeepImageBuilder.MAX_C_BIT) {
            throw new SnpLaunchException(cannot + "CPUID 0x8000001f EBX[5:0] puts the C-bit at " + cBit
                    + ", outside the " + KeepImageBuilder.MIN_C_BIT + "-" + KeepImageBuilder.MAX_C_BIT
                    + " a keep image can be built for");
        }
        return new SnpHost(cBit);
    }

    /**
     * Reads the host's CPUID through {@code source}.
     *
     * @throws SnpLaunchException (one line) when the source cannot run CPUID or the host is not an
     *     SEV-SNP host ({@link #from})
     */
    public static SnpHost read(CpuidSource source) throws SnpLaunchException {
        CpuidSevInfo cpuid;
        try {
            cpuid = CpuidSevInfo.read(source);
        } catch (RuntimeException e) {
            throw new SnpLaunchException("cannot read the host's CPUID to find the C-bit position: " + e.getMessage());
        }
        return from(cpuid);
    }

    /** This machine, through /dev/cpu/0/cpuid (needs the cpuid module and root). */
    public static SnpHost thisMachine() throws SnpLaunchException {
        return read(DevCpuidSource.cpu0());
    }

    /** The C-bit position to build the keep image with: CPUID 0x8000001F EBX[5:0]. */
    public int cBitPosition() {
        return cBitPosition;
    }
}
