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

    private static final VarHandle REGION2_SLOT = region2Field("slot");
    private static final VarHandle REGION2_FLAGS = region2Field("flags");
    private static final VarHandle REGION2_GPA = region2Field("guest_phys_addr");
    private static final VarHandle REGION2_SIZE = region2Field("memory_size");
    private static final VarHandle REGION2_HOST = region2Field("userspace_addr");
    private static final VarHandle REGION2_MEMFD_OFFSET = region2Field("guest_memfd_offset");
    private static final VarHandle REGION2_MEMFD = region2Field("guest_memfd");
    private static final long ATTRIBUTES_ADDRESS = attributesOffset("address");
    private static final long ATTRIBUTES_SIZE = attributesOffset("size");
    private static final long ATTRIBUTES_ATTRIBUTES = attributesOffset("attributes");
    private static final long ENABLE_CAP_ARGS = KvmStructs.KVM_ENABLE_CAP.byteOffset(groupElement("args"));

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

    private static VarHandle region2Field(String name) {
        return KvmStructs.KVM_USERSPACE_MEMORY_REGION2.varHandle(groupElement(name));
    }

    private static long attributesOffset(String name) {
        return KvmStructs.KVM_MEMORY_ATTRIBUTES.byteOffset(groupElement(name));
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
     * KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD: slot {@code slot} covers
     * {@code memory.size()} bytes at {@code guestPhysAddr}; pages whose attributes say PRIVATE are
     * taken from {@code memfd} at {@code memfdOffset}, the others (shared) from {@code memory}.
     */
    public synchronized void setUserMemoryRegion2(int slot, long guestPhysAddr, GuestMemory memory,
            GuestMemfd memfd, long memfdOffset) throws KvmException {
        if (slots.containsKey(slot)) {
            throw new IllegalStateException("memory slot " + slot + " is already in use");
        }
        if (memfdOffset < 0 || memfdOffset + memory.size() > memfd.size()) {
            throw new IllegalArgumentException("the slot's " + memory.size() + " bytes at guest_memfd offset "
                    + memfdOffset + " do not fit the guest_memfd's " + memfd.size() + " bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment region = arena.allocate(KvmStructs.KVM_USERSPACE_MEMORY_REGION2);
            REGION2_SLOT.set(region, 0L, slot);
            REGION2_FLAGS.set(region, 0L, KvmConstants.KVM_MEM_GUEST_MEMFD);
            REGION2_GPA.set(region, 0L, guestPhysAddr);
            REGION2_SIZE.set(region, 0L, memory.size());
            REGION2_HOST.set(region, 0L, memory.hostAddress());
            REGION2_MEMFD_OFFSET.set(region, 0L, memfdOffset);
            REGION2_MEMFD.set(region, 0L, memfd.fd());
            fd.ioctl(KvmIoctl.KVM_SET_USER_MEMORY_REGION2, region);
        }
        memory.registered();
        slots.put(slot, memory);
    }

    /** KVM_CREATE_GUEST_MEMFD of {@code size} bytes (no flags). */
    public GuestMemfd createGuestMemfd(long size) throws KvmException {
        if (size <= 0 || size % GuestMemory.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("guest_memfd size must be a positive multiple of 4096, got " + size);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(KvmStructs.KVM_CREATE_GUEST_MEMFD);
            request.set(ValueLayout.JAVA_LONG, 0, size);
            int memfd = fd.ioctl(KvmIoctl.KVM_CREATE_GUEST_MEMFD, request);
            return new GuestMemfd(new OwnedFd(memfd, "guest_memfd"), size);
        }
    }

    /**
     * KVM_SET_MEMORY_ATTRIBUTES on {@code [address, address + size)}: {@code attributes} is
     * {@link KvmConstants#KVM_MEMORY_ATTRIBUTE_PRIVATE} or 0 (shared).
     */
    public void setMemoryAttributes(long address, long size, long attributes) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(KvmStructs.KVM_MEMORY_ATTRIBUTES);
            request.set(ValueLayout.JAVA_LONG, ATTRIBUTES_ADDRESS, address);
            request.set(ValueLayout.JAVA_LONG, ATTRIBUTES_SIZE, size);
            request.set(ValueLayout.JAVA_LONG, ATTRIBUTES_ATTRIBUTES, attributes);
            fd.ioctl(KvmIoctl.KVM_SET_MEMORY_ATTRIBUTES, request);
        }
    }

    /** KVM_ENABLE_CAP on the VM with up to four arguments. */
    public void enableCap(int capability, long... args) throws KvmException {
        if (args.length > 4) {
            throw new IllegalArgumentException("KVM_ENABLE_CAP takes at most 4 arguments, got " + args.length);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment request = arena.allocate(KvmStructs.KVM_ENABLE_CAP);
            request.set(ValueLayout.JAVA_INT, 0, capability);
            for (int i = 0; i < args.length; i++) {
                request.set(ValueLayout.JAVA_LONG, ENABLE_CAP_ARGS + 8L * i, args[i]);
            }
            fd.ioctl(KvmIoctl.KVM_ENABLE_CAP, request);
        }
    }

    /**
     * KVM_MEMORY_ENCRYPT_OP with {@code command} (a {@code struct kvm_sev_cmd} the caller encoded).
     * On failure KVM has written the firmware's status into the command's {@code error} field,
     * which the caller reads from {@code command}.
     */
    public int memoryEncryptOp(MemorySegment command) throws KvmException {
        return fd.ioctl(KvmIoctl.KVM_MEMORY_ENCRYPT_OP, command);
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
