package dev.keep.loader.kvm;

import dev.keep.kvm.CpuidEntry;
import dev.keep.kvm.DescriptorTable;
import dev.keep.kvm.KvmException;
import dev.keep.kvm.Regs;
import dev.keep.kvm.Segment;
import dev.keep.kvm.Sregs;
import dev.keep.kvm.Xcr;
import dev.keep.shim.image.CpuidLeaf;
import dev.keep.shim.image.EntryState;
import dev.keep.shim.image.SegmentState;
import dev.keep.shim.image.TableRegister;
import java.util.List;

/**
 * Translates a keep's {@link EntryState} into kvm-backend register values. Pure functions, so the
 * translation is tested without /dev/kvm.
 */
public final class KeepRegisters {
    private KeepRegisters() {
    }

    /**
     * Loads the entry state into vCPU {@code cpu}: CPUID first (KVM checks CR3, CR4 and EFER
     * against it, and refuses a CR3 with the SEV-SNP C-bit while leaf 0x8000001F is unknown), then
     * the special registers, the general registers and XCR0. Both the kvm backend and the sev-snp
     * backend (before LAUNCH_FINISH turns these registers into the measured VMSA) load a keep
     * this way.
     */
    public static void load(VcpuRegisters cpu, EntryState e) throws KvmException {
        cpu.setCpuid2(cpuid(e));
        cpu.setSregs(sregs(cpu.getSregs(), e));
        cpu.setRegs(regs(e));
        cpu.setXcrs(xcrs(e));
    }

    /**
     * The special registers: everything from the entry state, except the APIC base and the
     * pending-interrupt bitmap, which keep the vCPU's own values (KVM validates APIC-base
     * transitions, and a fresh vCPU has nothing pending).
     */
    public static Sregs sregs(Sregs current, EntryState e) {
        return current.toBuilder()
                .cs(segment(e.cs())).ss(segment(e.ss())).ds(segment(e.ds())).es(segment(e.es()))
                .fs(segment(e.fs())).gs(segment(e.gs())).tr(segment(e.tr()))
                .ldt(segment(e.ldt()))
                .gdt(table(e.gdtr())).idt(table(e.idtr()))
                .cr0(e.cr0()).cr2(0).cr3(e.cr3()).cr4(e.cr4()).cr8(0).efer(e.efer())
                .build();
    }

    /** General registers: all zero except RIP, RSP and RFLAGS. */
    public static Regs regs(EntryState e) {
        return Regs.INITIAL
                .with(Regs.Reg.RIP, e.rip())
                .with(Regs.Reg.RSP, e.rsp())
                .with(Regs.Reg.RFLAGS, e.rflags());
    }

    public static List<Xcr> xcrs(EntryState e) {
        return List.of(new Xcr(0, e.xcr0()));
    }

    public static List<CpuidEntry> cpuid(EntryState e) {
        return e.cpuid().stream().map(KeepRegisters::cpuidEntry).toList();
    }

    static CpuidEntry cpuidEntry(CpuidLeaf l) {
        return new CpuidEntry(l.function(), l.index(),
                l.indexSignificant() ? CpuidEntry.FLAG_SIGNIFICANT_INDEX : 0,
                l.eax(), l.ebx(), l.ecx(), l.edx());
    }

    static Segment segment(SegmentState s) {
        return new Segment(s.base(), s.limit(), s.selector(), s.type(), s.present(), s.dpl(),
                s.db(), s.s(), s.l(), s.g(), s.avl(), s.unusable());
    }

    static DescriptorTable table(TableRegister t) {
        return new DescriptorTable(t.base(), t.limit());
    }
}
