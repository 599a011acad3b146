package dev.keep.sev.launch;

import dev.keep.sev.measure.SegmentRegister;
import dev.keep.sev.measure.Vmsa;
import dev.keep.sev.measure.VmsaField;
import dev.keep.shim.image.EntryState;
import dev.keep.shim.image.SegmentState;
import dev.keep.shim.image.TableRegister;

/**
 * The VMSA page KVM measures for a keep's vCPU 0 at SNP_LAUNCH_FINISH, predicted from the image's
 * {@link EntryState}.
 *
 * <p>KVM builds that page in {@code sev_es_sync_vmsa()} (sev-snp.md §4.3): a copy of the VMCB save
 * area, the general registers and RIP, XCR0, PKRU, XSS, DR6, SEV_FEATURES and, for SNP VMs, the
 * x87/SSE state of the vCPU's XSAVE buffer. The prediction therefore holds only if the launcher sets
 * the vCPU exactly like this, which is what keep-loader's {@code KeepRegisters} mapping of the
 * entry state already does for a plain KVM keep:
 * <ul>
 *   <li>KVM_SET_SREGS with the entry state's segments, GDTR/IDTR, CR0, CR3, CR4 and EFER (CR2 = 0,
 *       CR8 = 0);</li>
 *   <li>KVM_SET_REGS with RIP, RSP and RFLAGS from the entry state and every other general register
 *       0 (this also overwrites the CPU signature KVM puts into RDX at reset);</li>
 *   <li>KVM_SET_XCRS with XCR0 from the entry state;</li>
 *   <li>no KVM_SET_FPU / KVM_SET_XSAVE, no KVM_SET_MSRS and no KVM_SET_GUEST_DEBUG, so the FPU,
 *       the MSRs and the debug registers keep their reset values.</li>
 * </ul>
 *
 * <p>Every field set here, and why:
 * <table>
 *   <caption>VMSA fields</caption>
 *   <tr><th>field</th><th>value</th><th>why</th></tr>
 *   <tr><td>ES CS SS DS FS GS TR LDTR</td><td>selector, attributes, limit, base of the entry
 *       state</td><td>KVM's {@code svm_set_segment}: attributes packed as type | S&lt;&lt;4 |
 *       DPL&lt;&lt;5 | P&lt;&lt;7 | AVL&lt;&lt;8 | L&lt;&lt;9 | DB&lt;&lt;10 | G&lt;&lt;11, with P clear
 *       for an unusable segment (a keep's FS, GS and LDTR are null, so all 0)</td></tr>
 *   <tr><td>GDTR IDTR</td><td>base and limit; selector and attributes 0</td><td>{@code svm_set_gdt},
 *       {@code svm_set_idt}</td></tr>
 *   <tr><td>CPL</td><td>SS.DPL: 0 for an SNP image, which starts in its ring-0 boot code (SS 0x18);
 *       3 for a plain image, which starts in the runtime</td><td>{@code svm_set_segment} derives CPL
 *       from SS</td></tr>
 *   <tr><td>EFER</td><td>entry EFER | SVME (0x1000)</td><td>{@code svm_set_efer} always sets SVME
 *       in the VMCB</td></tr>
 *   <tr><td>CR0, CR3</td><td>entry values; an SNP image's CR3 carries the C-bit (its PML4 is a
 *       private page)</td><td>with nested paging KVM stores them unchanged. KVM_SET_SREGS accepts the
 *       C-bit in CR3 only once the vCPU's CPUID (KVM_SET_CPUID2) has leaf 0x8000001F: KVM then drops
 *       that bit from the reserved GPA bits of an SEV guest</td></tr>
 *   <tr><td>CR4</td><td>entry CR4 | MCE (0x40)</td><td>{@code svm_set_cr4} ORs in the host's CR4.MCE,
 *       which every Linux host with machine-check support has set (the same assumption as the
 *       published QEMU reset VMSAs, whose CR4 is 0x40)</td></tr>
 *   <tr><td>RIP, RSP, RFLAGS</td><td>entry values</td><td>KVM_SET_REGS</td></tr>
 *   <tr><td>RAX..R15 except RSP</td><td>0</td><td>KVM_SET_REGS with zeros</td></tr>
 *   <tr><td>DR7, DR6</td><td>0x400, 0xFFFF0FF0</td><td>architectural reset values; KVM refuses to
 *       launch if DR7 has more than its fixed bit</td></tr>
 *   <tr><td>G_PAT</td><td>0x0007040600070406</td><td>the PAT reset value KVM gives every vCPU</td></tr>
 *   <tr><td>XCR0</td><td>entry XCR0 (x87 | SSE | AVX)</td><td>KVM_SET_XCRS</td></tr>
 *   <tr><td>SEV_FEATURES</td><td>{@link SnpLaunchOptions#sevFeatures()}</td><td>INIT2's
 *       {@code vmsa_features} | SNPActive</td></tr>
 *   <tr><td>MXCSR, X87_FCW</td><td>0x1F80, 0x37F</td><td>the FPU reset state KVM copies from the
 *       vCPU's XSAVE buffer; FTW, FSW, FOP, the x87 pointers and the register files stay 0</td></tr>
 * </table>
 * Everything else (CR2, XSS, PKRU, the syscall and sysenter MSRs, KERNEL_GS_BASE, VMPL, the other
 * debug registers) stays 0, as KVM leaves it for a fresh vCPU.
 */
public final class KeepVmsa {
    public static final long EFER_SVME = 1L << 12;
    public static final long CR4_MCE = 1L << 6;
    public static final long DR7_RESET = 0x400;
    public static final long DR6_RESET = 0xFFFF_0FF0L;
    public static final long PAT_RESET = 0x0007_0406_0007_0406L;
    public static final int MXCSR_RESET = 0x1F80;
    public static final int X87_FCW_RESET = 0x37F;

    private KeepVmsa() {
    }

    /** The 4096-byte VMSA of vCPU 0. */
    public static byte[] of(EntryState entry, SnpLaunchOptions options) {
        Vmsa vmsa = new Vmsa();
        segment(vmsa, SegmentRegister.ES, entry.es());
        segment(vmsa, SegmentRegister.CS, entry.cs());
        segment(vmsa, SegmentRegister.SS, entry.ss());
        segment(vmsa, SegmentRegister.DS, entry.ds());
        segment(vmsa, SegmentRegister.FS, entry.fs());
        segment(vmsa, SegmentRegister.GS, entry.gs());
        segment(vmsa, SegmentRegister.TR, entry.tr());
        segment(vmsa, SegmentRegister.LDTR, entry.ldt());
        table(vmsa, SegmentRegister.GDTR, entry.gdtr());
        table(vmsa, SegmentRegister.IDTR, entry.idtr());
        return vmsa
                .set(VmsaField.CPL, entry.ss().dpl())
                .set(VmsaField.EFER, entry.efer() | EFER_SVME)
                .set(VmsaField.CR0, entry.cr0())
                .set(VmsaField.CR3, entry.cr3())
                .set(VmsaField.CR4, entry.cr4() | CR4_MCE)
                .set(VmsaField.DR7, DR7_RESET)
                .set(VmsaField.DR6, DR6_RESET)
                .set(VmsaField.RFLAGS, entry.rflags())
                .set(VmsaField.RIP, entry.rip())
                .set(VmsaField.RSP, entry.rsp())
                .set(VmsaField.G_PAT, PAT_RESET)
                .set(VmsaField.XCR0, entry.xcr0())
                .set(VmsaField.SEV_FEATURES, options.sevFeatures())
                .set(VmsaField.MXCSR, MXCSR_RESET)
                .set(VmsaField.X87_FCW, X87_FCW_RESET)
                .toPage();
    }

    /** The VMCB attribute word of a segment, as KVM's {@code svm_set_segment} packs it. */
    static int attributes(SegmentState s) {
        return (s.type() & 0xF)
                | bit(s.s(), 4)
                | (s.dpl() & 3) << 5
                | bit(s.present() && !s.unusable(), 7)
                | bit(s.avl(), 8)
                | bit(s.l(), 9)
                | bit(s.db(), 10)
                | bit(s.g(), 11);
    }

    private static void segment(Vmsa vmsa, SegmentRegister register, SegmentState s) {
        vmsa.segment(register, s.selector(), attributes(s), s.limit() & 0xFFFF_FFFFL, s.base());
    }

    private static void table(Vmsa vmsa, SegmentRegister register, TableRegister t) {
        vmsa.segment(register, 0, 0, t.limit() & 0xFFFF_FFFFL, t.base());
    }

    private static int bit(boolean set, int position) {
        return set ? 1 << position : 0;
    }
}
