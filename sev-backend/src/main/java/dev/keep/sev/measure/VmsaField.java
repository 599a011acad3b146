package dev.keep.sev.measure;

/**
 * The scalar fields of the SEV-ES/SNP VMSA save area with their byte offset and width (AMD APM
 * vol. 2, table B-4; Linux {@code struct sev_es_save_area}). Segments are in {@link SegmentRegister};
 * the x87/SSE register files are written as raw bytes through {@link Vmsa#setBytes}.
 */
public enum VmsaField {
    VMPL0_SSP(0xA0, 8), VMPL1_SSP(0xA8, 8), VMPL2_SSP(0xB0, 8), VMPL3_SSP(0xB8, 8), U_CET(0xC0, 8),
    VMPL(0xCA, 1), CPL(0xCB, 1),
    EFER(0xD0, 8),
    XSS(0x140, 8), CR4(0x148, 8), CR3(0x150, 8), CR0(0x158, 8), DR7(0x160, 8), DR6(0x168, 8),
    RFLAGS(0x170, 8), RIP(0x178, 8),
    DR0(0x180, 8), DR1(0x188, 8), DR2(0x190, 8), DR3(0x198, 8),
    DR0_ADDR_MASK(0x1A0, 8), DR1_ADDR_MASK(0x1A8, 8), DR2_ADDR_MASK(0x1B0, 8), DR3_ADDR_MASK(0x1B8, 8),
    RSP(0x1D8, 8), S_CET(0x1E0, 8), SSP(0x1E8, 8), ISST_ADDR(0x1F0, 8), RAX(0x1F8, 8),
    STAR(0x200, 8), LSTAR(0x208, 8), CSTAR(0x210, 8), SFMASK(0x218, 8), KERNEL_GS_BASE(0x220, 8),
    SYSENTER_CS(0x228, 8), SYSENTER_ESP(0x230, 8), SYSENTER_EIP(0x238, 8), CR2(0x240, 8),
    G_PAT(0x268, 8), DBGCTL(0x270, 8), BR_FROM(0x278, 8), BR_TO(0x280, 8),
    LAST_EXCP_FROM(0x288, 8), LAST_EXCP_TO(0x290, 8),
    PKRU(0x2E8, 4), TSC_AUX(0x2EC, 4),
    RCX(0x308, 8), RDX(0x310, 8), RBX(0x318, 8), RBP(0x328, 8), RSI(0x330, 8), RDI(0x338, 8),
    R8(0x340, 8), R9(0x348, 8), R10(0x350, 8), R11(0x358, 8), R12(0x360, 8), R13(0x368, 8),
    R14(0x370, 8), R15(0x378, 8),
    GUEST_EXIT_INFO_1(0x390, 8), GUEST_EXIT_INFO_2(0x398, 8), GUEST_EXIT_INT_INFO(0x3A0, 8),
    GUEST_NRIP(0x3A8, 8), SEV_FEATURES(0x3B0, 8), VINTR_CTRL(0x3B8, 8), GUEST_EXIT_CODE(0x3C0, 8),
    VIRTUAL_TOM(0x3C8, 8), TLB_ID(0x3D0, 8), PCPU_ID(0x3D8, 8), EVENT_INJ(0x3E0, 8), XCR0(0x3E8, 8),
    X87_DP(0x400, 8), MXCSR(0x408, 4), X87_FTW(0x40C, 2), X87_FSW(0x40E, 2), X87_FCW(0x410, 2),
    X87_FOP(0x412, 2), X87_DS(0x414, 2), X87_CS(0x416, 2), X87_RIP(0x418, 8);

    /** Start of the 80-byte x87 register file (8 x 10 bytes). */
    public static final int FPREG_X87_OFFSET = 0x420;
    /** Start of the 256-byte XMM register file (16 x 16 bytes). */
    public static final int FPREG_XMM_OFFSET = 0x470;
    /** Start of the 256-byte upper YMM halves (16 x 16 bytes). */
    public static final int FPREG_YMM_OFFSET = 0x570;
    /** First byte after the architected save area; the rest of the page is zero. */
    public static final int SAVE_AREA_END = 0x670;

    private final int offset;
    private final int width;

    VmsaField(int offset, int width) {
        this.offset = offset;
        this.width = width;
    }

    public int offset() {
        return offset;
    }

    /** Width in bytes: 1, 2, 4 or 8. */
    public int width() {
        return width;
    }
}
