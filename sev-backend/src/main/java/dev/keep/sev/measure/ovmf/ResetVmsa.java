package dev.keep.sev.measure.ovmf;

import dev.keep.sev.measure.SegmentRegister;
import dev.keep.sev.measure.Vmsa;
import dev.keep.sev.measure.VmsaField;

/**
 * The VMSA pages hypervisors measure for a vCPU that starts at the x86 reset state (real mode, entry
 * at {@code eip}), as modelled by the sev-snp-measure reference tool for QEMU/KVM, EC2 and GCE, and
 * the 32-bit protected-mode start state QEMU uses for a Coconut SVSM.
 */
public final class ResetVmsa {

    /** Where the bootstrap processor starts: the reset vector. */
    public static final long BSP_RESET_EIP = 0xFFFF_FFF0L;

    private static final long DEFAULT_PAT = 0x0007_0406_0007_0406L;
    private static final long GCE_PAT = 0x0007_0106L;
    /** What EC2 and GCE leave in RDX: family 6 signature, not the vCPU model's. */
    private static final long CLOUD_RESET_RDX = 0x600;

    private ResetVmsa() {
    }

    /**
     * A real-mode reset VMSA. CS.base takes the upper 16 bits of {@code eip} and RIP the lower 16,
     * so that CS:IP reaches {@code eip}.
     */
    public static byte[] realMode(VmmModel vmm, long eip, long sevFeatures, long vcpuSignature) {
        int csAttrib = 0x9B;
        int ssAttrib = 0x93;
        int trAttrib = 0x8B;
        long rdx = vcpuSignature;
        long pat = DEFAULT_PAT;
        int mxcsr = 0x1F80;
        int fcw = 0x37F;
        switch (vmm) {
            case QEMU -> { }
            case EC2 -> {
                // EC2 marks the BSP's code segment not-yet-accessed and uses non-busy TSS / data types.
                csAttrib = eip == BSP_RESET_EIP ? 0x9A : 0x9B;
                ssAttrib = 0x92;
                trAttrib = 0x83;
                rdx = CLOUD_RESET_RDX;
                mxcsr = 0;
                fcw = 0;
            }
            case GCE -> {
                pat = GCE_PAT;
                rdx = CLOUD_RESET_RDX;
                mxcsr = 0;
                fcw = 0;
            }
        }
        Vmsa vmsa = new Vmsa()
                .segment(SegmentRegister.ES, 0, 0x93, 0xFFFF, 0)
                .segment(SegmentRegister.CS, 0xF000, csAttrib, 0xFFFF, eip & 0xFFFF_0000L)
                .segment(SegmentRegister.SS, 0, ssAttrib, 0xFFFF, 0)
                .segment(SegmentRegister.DS, 0, 0x93, 0xFFFF, 0)
                .segment(SegmentRegister.FS, 0, 0x93, 0xFFFF, 0)
                .segment(SegmentRegister.GS, 0, 0x93, 0xFFFF, 0)
                .segment(SegmentRegister.GDTR, 0, 0, 0xFFFF, 0)
                .segment(SegmentRegister.IDTR, 0, 0, 0xFFFF, 0)
                .segment(SegmentRegister.LDTR, 0, 0x82, 0xFFFF, 0)
                .segment(SegmentRegister.TR, 0, trAttrib, 0xFFFF, 0)
                .set(VmsaField.RIP, eip & 0xFFFF)
                .set(VmsaField.RDX, rdx)
                .set(VmsaField.G_PAT, pat)
                .set(VmsaField.MXCSR, mxcsr)
                .set(VmsaField.X87_FCW, fcw);
        return applyCommonResetState(vmsa, sevFeatures).toPage();
    }

    /**
     * The VMSA QEMU measures for every vCPU of a Coconut SVSM guest: flat 32-bit protected mode at
     * the SVSM entry point, SNPActive only. The x87 control word is zero here, unlike the real-mode
     * case; that is what the published SVSM measurements (taken from real launches) require.
     */
    public static byte[] svsm(long eip, long vcpuSignature) {
        Vmsa vmsa = new Vmsa()
                .segment(SegmentRegister.ES, 16, 0xC93, 0xFFFF_FFFFL, 0)
                .segment(SegmentRegister.CS, 8, 0xC9B, 0xFFFF_FFFFL, 0)
                .segment(SegmentRegister.SS, 16, 0xC93, 0xFFFF_FFFFL, 0)
                .segment(SegmentRegister.DS, 16, 0xC93, 0xFFFF_FFFFL, 0)
                .segment(SegmentRegister.FS, 16, 0xC93, 0xFFFF_FFFFL, 0)
                .segment(SegmentRegister.GS, 0, 0x093, 0xFFFF, 0)
                .segment(SegmentRegister.GDTR, 0, 0, 0xFFFF, 0)
                .segment(SegmentRegister.IDTR, 0, 0, 0xFFFF, 0)
                .segment(SegmentRegister.LDTR, 0, 0x82, 0xFFFF, 0)
                .segment(SegmentRegister.TR, 0, 0x8B, 0xFFFF, 0)
                .set(VmsaField.RIP, eip)
                .set(VmsaField.RDX, vcpuSignature)
                .set(VmsaField.G_PAT, DEFAULT_PAT)
                .set(VmsaField.MXCSR, 0x1F80);
        return applyCommonResetState(vmsa, 0x1)
                .set(VmsaField.CR0, 0x11)           // protected mode
                .toPage();
    }

    /** Registers every hypervisor model sets the same way. */
    private static Vmsa applyCommonResetState(Vmsa vmsa, long sevFeatures) {
        return vmsa
                .set(VmsaField.EFER, 0x1000)        // KVM sets EFER.SVME for SEV-ES guests
                .set(VmsaField.CR4, 0x40)           // CR4.MCE
                .set(VmsaField.CR0, 0x10)           // CR0.ET
                .set(VmsaField.DR7, 0x400)
                .set(VmsaField.DR6, 0xFFFF_0FF0L)
                .set(VmsaField.RFLAGS, 0x2)
                .set(VmsaField.SEV_FEATURES, sevFeatures)
                .set(VmsaField.XCR0, 0x1);
    }
}
