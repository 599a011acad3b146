package dev.keep.attestation.report;

/** Byte offsets of the attestation report (SNP ABI table "ATTESTATION_REPORT"; sev-snp.md section 2.1). */
final class ReportLayout {
    static final int SIZE = 0x4A0;
    static final int SIGNED_LENGTH = 0x2A0;
    static final int SIGNATURE_COMPONENT_LENGTH = 72;

    static final int VERSION = 0x000;
    static final int GUEST_SVN = 0x004;
    static final int POLICY = 0x008;
    static final int FAMILY_ID = 0x010;
    static final int IMAGE_ID = 0x020;
    static final int VMPL = 0x030;
    static final int SIGNATURE_ALGO = 0x034;
    static final int CURRENT_TCB = 0x038;
    static final int PLATFORM_INFO = 0x040;
    static final int SIGNER_INFO = 0x048;
    static final int RESERVED_04C = 0x04C;
    static final int REPORT_DATA = 0x050;
    static final int MEASUREMENT = 0x090;
    static final int HOST_DATA = 0x0C0;
    static final int ID_KEY_DIGEST = 0x0E0;
    static final int AUTHOR_KEY_DIGEST = 0x110;
    static final int REPORT_ID = 0x140;
    static final int REPORT_ID_MA = 0x160;
    static final int REPORTED_TCB = 0x180;
    static final int CPUID_FAM_ID = 0x188;
    static final int CPUID_MOD_ID = 0x189;
    static final int CPUID_STEP = 0x18A;
    static final int RESERVED_18B = 0x18B;
    static final int CHIP_ID = 0x1A0;
    static final int COMMITTED_TCB = 0x1E0;
    static final int CURRENT_BUILD = 0x1E8;
    static final int CURRENT_MINOR = 0x1E9;
    static final int CURRENT_MAJOR = 0x1EA;
    static final int RESERVED_1EB = 0x1EB;
    static final int COMMITTED_BUILD = 0x1EC;
    static final int COMMITTED_MINOR = 0x1ED;
    static final int COMMITTED_MAJOR = 0x1EE;
    static final int RESERVED_1EF = 0x1EF;
    static final int LAUNCH_TCB = 0x1F0;
    static final int LAUNCH_MIT_VECTOR = 0x1F8;
    static final int CURRENT_MIT_VECTOR = 0x200;
    static final int RESERVED_208 = 0x208;
    static final int SIGNATURE_R = 0x2A0;
    static final int SIGNATURE_S = 0x2E8;
    static final int SIGNATURE_RESERVED = 0x330;

    private ReportLayout() {}
}
