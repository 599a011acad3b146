package dev.keep.kvm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;

/**
 * The KVM system handle (an open /dev/kvm): checks the API version on open, answers capability
 * and CPUID questions, and creates VMs. Closing it does not affect VMs already created.
 */
public final class Kvm implements AutoCloseable {

    private static final int CREATE_VM_ATTEMPTS = 8;
    private static final int CPUID_ENTRIES_FIRST_TRY = 128;
    private static final int CPUID_ENTRIES_MAX = 4096;

    private final OwnedFd fd;
    private final int vcpuMmapSize;

    private Kvm(OwnedFd fd, int vcpuMmapSize) {
        this.fd = fd;
        this.vcpuMmapSize = vcpuMmapSize;
    }

    /** Opens /dev/kvm. */
    public static Kvm open() throws KvmException {
        return open(Path.of(KvmProbe.DEVICE));
    }

    /**
     * Opens a KVM device node and checks that it speaks API version 12.
     *
     * @throws KvmUnavailableException when the device is missing, not accessible, or not KVM;
     *     the message is one sentence saying which and why
     */
    public static Kvm open(Path device) throws KvmException {
        String name = device.toString();
        int raw;
        try {
            raw = Libc.open(name, LibcConstants.O_RDWR | LibcConstants.O_CLOEXEC);
        } catch (NativeCallException e) {
            throw new KvmUnavailableException(
                    KvmDeviceErrors.openFailure(name, e.errno(), HostFacts.read(HostRoot.system())));
        }
        OwnedFd kvm = new OwnedFd(raw, name);
        try {
            int version;
            try {
                version = kvm.ioctl(KvmIoctl.KVM_GET_API_VERSION, 0);
            } catch (NativeCallException e) {
                throw new KvmUnavailableException(KvmDeviceErrors.notKvm(name, e));
            }
            if (version != KvmConstants.KVM_API_VERSION) {
                throw new KvmUnavailableException(KvmDeviceErrors.wrongApiVersion(name, version));
            }
            return new Kvm(kvm, kvm.ioctl(KvmIoctl.KVM_GET_VCPU_MMAP_SIZE, 0));
        } catch (KvmException | RuntimeException e) {
            kvm.close();
            throw e;
        }
    }

    /** KVM_GET_API_VERSION (always 12 for an opened handle; asked again for diagnostics). */
    public int apiVersion() throws KvmException {
        return fd.ioctl(KvmIoctl.KVM_GET_API_VERSION, 0);
    }

    /** KVM_CHECK_EXTENSION on the system fd: 0 when unsupported, else a capability value. */
    public int checkExtension(int capability) throws KvmException {
        return fd.ioctl(KvmIoctl.KVM_CHECK_EXTENSION, capability);
    }

    /** Size of the kvm_run mapping of each vCPU (KVM_GET_VCPU_MMAP_SIZE). */
    public int vcpuMmapSize() {
        return vcpuMmapSize;
    }

    /**
     * KVM_GET_SUPPORTED_CPUID: the leaves KVM can expose to a guest. Note that kvm_pvm hides
     * features the CPU has (nested-kvm-notes.md §4), so build guest tables explicitly.
     */
    public List<CpuidEntry> supportedCpuid() throws KvmException {
        for (int capacity = CPUID_ENTRIES_FIRST_TRY; ; capacity *= 2) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment table = CpuidTable.allocate(arena, capacity);
                try {
                    fd.ioctl(KvmIoctl.KVM_GET_SUPPORTED_CPUID, table);
                } catch (NativeCallException e) {
                    // E2BIG: the table was too small for what KVM wants to report; grow it.
                    if (e.errno() == LibcConstants.E2BIG && capacity < CPUID_ENTRIES_MAX) {
                        continue;
                    }
                    throw e;
                }
                return CpuidTable.read(table);
            }
        }
    }

    /** KVM_CREATE_VM of the default x86 type. */
    public VmFd createVm() throws KvmException {
        return createVm(KvmConstants.KVM_X86_DEFAULT_VM);
    }

    /**
     * KVM_CREATE_VM of the given machine type (e.g. {@link KvmConstants#KVM_X86_SNP_VM}).
     * EINTR is retried: the kernel may be interrupted while setting up the VM's mm notifiers.
     */
    public VmFd createVm(int type) throws KvmException {
        for (int attempt = 1; ; attempt++) {
            try {
                int vm = fd.ioctl(KvmIoctl.KVM_CREATE_VM, type);
                return new VmFd(new OwnedFd(vm, "KVM VM"), vcpuMmapSize);
            } catch (NativeCallException e) {
                if (e.errno() != LibcConstants.EINTR || attempt == CREATE_VM_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
