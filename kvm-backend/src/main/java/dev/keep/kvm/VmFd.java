package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One KVM virtual machine: its memory slots and vCPUs. Created only by {@link Kvm#createVm}.
 * Closing it closes the vCPUs it created first, then the VM, then releases the guest memory
 * it had registered (which may then be closed by its owner).
 */
public final class VmFd implements AutoCloseable {

    private static final VarHandle REGION_SLOT = regionField("slot");
    private static final VarHandle REGION_FLAGS = regionField("flags");
    private static final VarHandle REGION_GPA = regionField("guest_phys_addr");
    private static final VarHandle REGION_SIZE = regionField("memory_size");
    private static final VarHandle REGION_HOST = regionField("userspace_addr");

    private final OwnedFd fd;
    private final int vcpuMmapSize;
    private final List<VcpuFd> vcpus = new ArrayList<>();
    private final Map<Integer, GuestMemory> slots = new HashMap<>();

    VmFd(OwnedFd fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    private static VarHandle regionField(String name) {
        return KvmStructs.KVM_USERSPACE_MEMORY_REGION.varHandle(groupElement(name));
    }

    /** KVM_CHECK_EXTENSION on the VM fd (answers for this VM's type, e.g. an SNP VM). */
    public int checkExtension(int capability) throws KvmException {
        return fd.ioctl(KvmIoctl.KVM_CHECK_EXTENSION, capability);
    }

    /**
     * KVM_SET_USER_MEMORY_REGION: makes {@code memory} the guest-physical range starting at
     * {@code guestPhysAddr} in memory slot {@code slot}. The memory cannot be closed until the
     * slot is removed or this VM is closed.
     *
     * @param flags KVM_MEM_LOG_DIRTY_PAGES / KVM_MEM_READONLY bits
     */
    public synchronized void setUserMemoryRegion(int slot, long guestPhysAddr, GuestMemory memory,
            int flags) throws KvmException {
        if (slots.containsKey(slot)) {
            throw new IllegalStateException("memory slot " + slot + " is already in use");
        }
        setRegion(slot, flags, guestPhysAddr, memory.size(), memory.hostAddress());
        memory.registered();
        slots.put(slot, memory);
    }

    /** Deletes a memory slot (KVM_SET_USER_MEMORY_REGION with size 0) and releases its memory. */
    public synchronized void removeUserMemoryRegion(int slot) throws KvmException {
        GuestMemory memory = slots.get(slot);
        if (memory == null) {
            throw new IllegalStateException("memory slot " + slot + " is not in use");
        }
        setRegion(slot, 0, 0, 0, 0);
        slots.remove(slot);
        memory.unregistered();
    }

    private void setRegion(int slot, int flags, long gpa, long size, long host)
            throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(KvmStructs.KVM_USERSPACE_MEMORY_REGION);
            REGION_SLOT.set(region, 0L, slot);
            REGION_FLAGS.set(region, 0L, flags);
            REGION_GPA.set(region, 0L, gpa);
            REGION_SIZE.set(region, 0L, size);
            REGION_HOST.set(region, 0L, host);
            fd.ioctl(KvmIoctl.KVM_SET_USER_MEMORY_REGION, region);
        }
    }

    /**
     * KVM_SET_TSS_ADDR: three pages of guest-physical address space KVM needs on Intel for
     * real-mode emulation; must not overlap a memslot. Harmless elsewhere.
     */
    public void setTssAddr(long guestPhysAddr) throws KvmException {
        fd.ioctl(KvmIoctl.KVM_SET_TSS_ADDR, guestPhysAddr);
    }

    /** KVM_SET_IDENTITY_MAP_ADDR: one page for Intel's real-mode identity map (before vCPUs). */
    public void setIdentityMapAddr(long guestPhysAddr) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            fd.ioctl(KvmIoctl.KVM_SET_IDENTITY_MAP_ADDR,
                    arena.allocateFrom(ValueLayout.JAVA_LONG, guestPhysAddr));
        }
    }

    /** KVM_CREATE_VCPU and the mmap of its kvm_run page. */
    public synchronized VcpuFd createVcpu(int id) throws KvmException {
        vcpus.removeIf(VcpuFd::isClosed);
        OwnedFd vcpu = new OwnedFd(fd.ioctl(KvmIoctl.KVM_CREATE_VCPU, id), "KVM vCPU " + id);
        KvmRun run;
        try {
            long address = Libc.mmap(0, vcpuMmapSize,
                    LibcConstants.PROT_READ | LibcConstants.PROT_WRITE, LibcConstants.MAP_SHARED,
                    vcpu.get(), 0);
            run = KvmRun.own(address, vcpuMmapSize);
        } catch (KvmException | RuntimeException e) {
            vcpu.close();
            throw e;
        }
        VcpuFd created = new VcpuFd(id, vcpu, run);
        vcpus.add(created);
        return created;
    }

    /** Memory slots currently registered, by slot number. */
    public synchronized Map<Integer, GuestMemory> memorySlots() {
        return Map.copyOf(slots);
    }

    @Override
    public synchronized void close() {
        for (VcpuFd vcpu : vcpus) {
            vcpu.close();
        }
        vcpus.clear();
        fd.close();
        // With the VM fd and every vCPU fd closed no guest can run, so KVM no longer uses them.
        for (GuestMemory memory : slots.values()) {
            memory.unregistered();
        }
        slots.clear();
    }
}
