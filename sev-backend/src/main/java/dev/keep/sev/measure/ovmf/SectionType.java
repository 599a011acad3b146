package dev.keep.sev.measure.ovmf;

/** Section types of the OVMF SEV metadata ("ASEV") table (edk2 OvmfPkg/ResetVector OvmfSevMetadata.asm). */
public enum SectionType {
    /** Memory OVMF's SEC phase uses before it can validate pages itself: added as ZERO pages. */
    SNP_SEC_MEM(1),
    SNP_SECRETS(2),
    CPUID(3),
    /** The SVSM calling area: added as ZERO pages. */
    SVSM_CAA(4),
    /** The page holding the QEMU SEV hashes table (kernel, initrd, command line). */
    SNP_KERNEL_HASHES(0x10);

    private final int code;

    SectionType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    static SectionType fromCode(long code) {
        for (SectionType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        throw new FirmwareFormatException("unknown OVMF SEV metadata section type 0x" + Long.toHexString(code));
    }
}
