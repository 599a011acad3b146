package dev.keep.loader.kvm;

import dev.keep.kvm.CpuidEntry;
import dev.keep.kvm.KvmException;
import dev.keep.kvm.Regs;
import dev.keep.kvm.Sregs;
import dev.keep.kvm.VcpuFd;
import dev.keep.kvm.Xcr;
import java.util.List;

/**
 * The register calls that load a keep's entry state into a vCPU ({@link KeepRegisters#load}). An
 * interface rather than {@link VcpuFd} itself so that the order of the calls (CPUID first: KVM
 * refuses an SEV-SNP CR3 carrying the C-bit before it knows leaf 0x8000001F) is tested without
 * /dev/kvm.
 */
public interface VcpuRegisters {
    void setCpuid2(List<CpuidEntry> entries) throws KvmException;

    Sregs getSregs() throws KvmException;

    void setSregs(Sregs sregs) throws KvmException;

    void setRegs(Regs regs) throws KvmException;

    void setXcrs(List<Xcr> xcrs) throws KvmException;

    /** The registers of a real vCPU. */
    static VcpuRegisters of(VcpuFd vcpu) {
        return new VcpuRegisters() {
            @Override
            public void setCpuid2(List<CpuidEntry> entries) throws KvmException {
                vcpu.setCpuid2(entries);
            }

            @Override
            public Sregs getSregs() throws KvmException {
                return vcpu.getSregs();
            }

            @Override
            public void setSregs(Sregs sregs) throws KvmException {
                vcpu.setSregs(sregs);
            }

            @Override
            public void setRegs(Regs regs) throws KvmException {
                vcpu.setRegs(regs);
            }

            @Override
            public void setXcrs(List<Xcr> xcrs) throws KvmException {
                vcpu.setXcrs(xcrs);
            }
        };
    }
}
