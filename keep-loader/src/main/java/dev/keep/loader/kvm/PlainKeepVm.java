package dev.keep.loader.kvm;

import dev.keep.kvm.GuestMemory;
import dev.keep.kvm.Kvm;
import dev.keep.kvm.KvmException;
import dev.keep.kvm.VcpuExit;
import dev.keep.kvm.VcpuFd;
import dev.keep.kvm.VmFd;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.shim.image.KeepImage;
import java.util.List;
import java.util.Optional;

/**
 * A plain (unencrypted) keep's VM: the image mapped into pre-faulted, huge-page-backed guest
 * memory at GPA 0, vCPU 0 loaded with the entry state.
 */
final class PlainKeepVm implements KeepVm {
    /** Where KVM may put the three pages Intel VMX needs for real mode; unused by a keep. */
    private static final long TSS_ADDRESS_FOR_VMX = 0xFFFB_D000L;

    private final Kvm kvm;
    private final GuestMemory ram;
    private final VmFd vm;
    private final VcpuFd vcpu;
    private final KeepExitHandler exits;

    private PlainKeepVm(Kvm kvm, GuestMemory ram, VmFd vm, VcpuFd vcpu, KeepExitHandler exits) {
        this.kvm = kvm;
        this.ram = ram;
        this.vm = vm;
        this.vcpu = vcpu;
        this.exits = exits;
    }

    /**
     * Opens /dev/kvm and builds the VM; a failure closes what was opened before it.
     *
     * @throws IllegalStateException when the host CPU lacks a feature the image claims
     */
    static PlainKeepVm create(KeepImage image, HostcallDispatcher host, HostCpuCheck cpuCheck)
            throws KvmException {
        return create(image, host, cpuCheck, GuestMemory.Options.KEEP);
    }

    /**
     * As {@link #create(KeepImage, HostcallDispatcher, HostCpuCheck)}, with the guest memory
     * allocated as {@code memory} says (a store keep's 4 GiB arena is not pre-faulted).
     */
    static PlainKeepVm create(KeepImage image, HostcallDispatcher host, HostCpuCheck cpuCheck,
            GuestMemory.Options memory) throws KvmException {
        Kvm kvm = Kvm.open();
        GuestMemory ram = null;
        VmFd vm = null;
        VcpuFd cpu = null;
        try {
            // After the device opened: a host without KVM hears of that first, not of a CPU bit.
            List<String> missing = cpuCheck.missing(image.entryState().cpuid());
            if (!missing.isEmpty()) {
                throw new IllegalStateException("this CPU lacks features the keep needs: "
                        + String.join(", ", missing));
            }
            ram = GuestMemory.allocate(image.memorySize(), memory);
            vm = kvm.createVm();
            ImageLoader.load(image, ram);
            vm.setTssAddr(TSS_ADDRESS_FOR_VMX);
            vm.setUserMemoryRegion(0, 0, ram, 0);
            cpu = vm.createVcpu(0);
            KeepRegisters.load(VcpuRegisters.of(cpu), image.entryState());
            return new PlainKeepVm(kvm, ram, vm, cpu, new KeepExitHandler(ram.segment(), host));
        } catch (KvmException | RuntimeException e) {
            close(kvm, ram, vm, cpu);
            throw e;
        }
    }

    /** The keep's guest-physical memory (offset = guest-physical address); valid until close. */
    java.lang.foreign.MemorySegment guestMemory() {
        return ram.segment();
    }

    @Override
    public VcpuFd vcpu() {
        return vcpu;
    }

    @Override
    public Optional<KeepOutcome> handle(VcpuExit exit) {
        return exits.handle(exit);
    }

    @Override
    public void close() {
        close(kvm, ram, vm, vcpu);
    }

    /**
     * The vCPU, then the VM (which releases the memslot), then the guest memory, then /dev/kvm;
     * any of them may not exist yet.
     */
    private static void close(Kvm kvm, GuestMemory ram, VmFd vm, VcpuFd cpu) {
        if (cpu != null) {
            cpu.close();
        }
        if (vm != null) {
            vm.close();
        }
        if (ram != null) {
            ram.close();
        }
        kvm.close();
    }
}
