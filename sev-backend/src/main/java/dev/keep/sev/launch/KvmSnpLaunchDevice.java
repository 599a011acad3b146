package dev.keep.sev.launch;

import dev.keep.kvm.GuestMemfd;
import dev.keep.kvm.GuestMemory;
import dev.keep.kvm.Kvm;
import dev.keep.kvm.KvmConstants;
import dev.keep.kvm.KvmException;
import dev.keep.kvm.Libc;
import dev.keep.kvm.NativeCallException;
import dev.keep.kvm.VcpuFd;
import dev.keep.kvm.VmFd;
import dev.keep.sev.SevDevice;
import dev.keep.sev.SevDeviceException;
import dev.keep.sev.measure.PageType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real {@link SnpLaunchDevice}: /dev/sev and /dev/kvm, the structs of {@link SnpLaunchAbi}
 * encoded in native memory, ioctl through Panama (kvm-backend's {@link VmFd}). After a successful
 * launch {@link #vm()}, {@link #vcpu()} and {@link #sharedMemory()} are what the keep runs on.
 */
public final class KvmSnpLaunchDevice implements SnpLaunchDevice {

    /**
     * Sets vCPU 0's registers to the keep's entry state, exactly as {@link KeepVmsa} assumes. For an
     * SNP image the CPUID (KVM_SET_CPUID2, with leaf 0x8000001F) must come before KVM_SET_SREGS:
     * without it KVM refuses a CR3 that carries the C-bit.
     */
    @FunctionalInterface
    public interface VcpuSetup {
        void initialize(VcpuFd vcpu) throws KvmException;
    }

    public static final Path SEV_DEVICE = Path.of("/dev/sev");
    public static final Path KVM_DEVICE = Path.of("/dev/kvm");
    private static final int EIO = 5;

    private final SevDevice sev;
    private final Kvm kvm;
    private final VcpuSetup setup;
    private VmFd vm;
    private GuestMemfd memfd;
    private GuestMemory shared;
    private VcpuFd vcpu;

    private KvmSnpLaunchDevice(SevDevice sev, Kvm kvm, VcpuSetup setup) {
        this.sev = sev;
        this.kvm = kvm;
        this.setup = setup;
    }

    /** Opens /dev/sev and /dev/kvm. */
    public static KvmSnpLaunchDevice open(VcpuSetup setup) throws SnpLaunchException {
        return open(SEV_DEVICE, KVM_DEVICE, setup);
    }

    /**
     * Opens the SEV device (read-write: KVM checks the caller may use it, as {@code sev_fd}) and
     * the KVM device.
     *
     * @throws SnpLaunchException (one line) when either is missing or not accessible
     */
    public static KvmSnpLaunchDevice open(Path sevDevice, Path kvmDevice, VcpuSetup setup) throws SnpLaunchException {
        if (setup == null) {
            throw new IllegalArgumentException("an SNP launch device needs the vCPU register setup");
        }
        SevDevice sev;
        try {
            sev = SevDevice.openReadWrite(sevDevice);
        } catch (SevDeviceException e) {
            throw new SnpLaunchException("an SEV-SNP launch needs " + sevDevice + ": " + e.getMessage());
        }
        try {
            return new KvmSnpLaunchDevice(sev, Kvm.open(kvmDevice), setup);
        } catch (KvmException e) {
            sev.close();
            throw new SnpLaunchException("an SEV-SNP launch needs " + kvmDevice + ": " + e.getMessage());
        }
    }

    @Override
    public void createSnpVm() throws SnpLaunchException {
        if (vm != null) {
            throw new IllegalStateException("this device already created its VM");
        }
        try {
            // KVM_CAP_VM_TYPES (Linux 6.10+) lists the VM types this KVM can create; ask first, so a
            // host without SNP gets a sentence instead of a bare EINVAL.
            int types = kvm.checkExtension(KvmConstants.KVM_CAP_VM_TYPES);
            if ((types & 1 << KvmConstants.KVM_X86_SNP_VM) == 0) {
                throw new SnpLaunchException(String.format("this KVM cannot create SEV-SNP VMs"
                        + " (KVM_CAP_VM_TYPES = %#x lacks KVM_X86_SNP_VM): SNP is not enabled on the host", types));
            }
            vm = kvm.createVm(KvmConstants.KVM_X86_SNP_VM);
        } catch (KvmException e) {
            throw failure("KVM_CREATE_VM(KVM_X86_SNP_VM)", e);
        }
    }

    @Override
    public void sevInit2(long vmsaFeatures, int ghcbVersion) throws SnpLaunchException {
        try (Arena arena = Arena.ofConfined()) {
            command(SnpLaunchAbi.KVM_SEV_INIT2, "KVM_SEV_INIT2",
                    SnpCommandStructs.init(arena, vmsaFeatures, ghcbVersion), arena, true);
        }
    }

    @Override
    public void enableHypercallExits(long hypercallMask) throws SnpLaunchException {
        try {
            vm().enableCap(KvmConstants.KVM_CAP_EXIT_HYPERCALL, hypercallMask);
        } catch (KvmException e) {
            throw failure("KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL)", e);
        }
    }

    @Override
    public int createGuestMemfd(long size) throws SnpLaunchException {
        if (memfd != null) {
            throw new IllegalStateException("this device already created its guest_memfd");
        }
        try {
            memfd = vm().createGuestMemfd(size);
            return memfd.fd();
        } catch (KvmException e) {
            throw failure("KVM_CREATE_GUEST_MEMFD", e);
        }
    }

    @Override
    public void setUserMemoryRegion2(int slot, long gpa, long size, int guestMemfd, long guestMemfdOffset)
            throws SnpLaunchException {
        if (memfd == null || memfd.fd() != guestMemfd) {
            throw new IllegalStateException("guest_memfd " + guestMemfd + " was not created by this device");
        }
        try {
            // Lazily populated: of the shared view only the mailbox is ever touched.
            shared = GuestMemory.allocate(size, GuestMemory.Options.PLAIN);
            vm().setUserMemoryRegion2(slot, gpa, shared, memfd, guestMemfdOffset);
        } catch (KvmException e) {
            throw failure("KVM_SET_USER_MEMORY_REGION2", e);
        }
    }

    @Override
    public void setMemoryAttributes(long gpa, long size, long attributes) throws SnpLaunchException {
        try {
            vm().setMemoryAttributes(gpa, size, attributes);
        } catch (KvmException e) {
            throw failure(String.format("KVM_SET_MEMORY_ATTRIBUTES(%#x+%#x, %#x)", gpa, size, attributes), e);
        }
    }

    @Override
    public void createVcpu(int id) throws SnpLaunchException {
        try {
            vcpu = vm().createVcpu(id);
            setup.initialize(vcpu);
        } catch (KvmException e) {
            throw failure("KVM_CREATE_VCPU " + id + " and its register setup", e);
        }
    }

    @Override
    public void snpLaunchStart(long policy) throws SnpLaunchException {
        try (Arena arena = Arena.ofConfined()) {
            command(SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_START, String.format("SNP_LAUNCH_START(policy %#x)", policy),
                    SnpCommandStructs.launchStart(arena, policy), arena, true);
        }
    }

    @Override
    public LaunchUpdateOutcome snpLaunchUpdate(LaunchUpdate update) throws SnpLaunchException {
        try (Arena arena = Arena.ofConfined()) {
            SnpCommandStructs.EncodedUpdate encoded = SnpCommandStructs.launchUpdate(arena, update);
            String name = "SNP_LAUNCH_UPDATE of " + update;
            Failure failure = command(SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_UPDATE, name, encoded.params(), arena, false);
            if (failure != null) {
                // KVM copied the firmware's corrected CPUID page back into the source buffer.
                if (update.type() == PageType.CPUID && failure.errno() == EIO
                        && failure.firmwareError() == SevFirmwareError.INVALID_PARAM) {
                    return new LaunchUpdateOutcome.CpuidRejected(encoded.sourceBytes());
                }
                throw failure.exception(name);
            }
            return new LaunchUpdateOutcome.Done(encoded.pagesProcessed(update));
        }
    }

    @Override
    public void snpLaunchFinish(Optional<SnpIdBlock> idBlock, byte[] hostData) throws SnpLaunchException {
        try (Arena arena = Arena.ofConfined()) {
            command(SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_FINISH, "SNP_LAUNCH_FINISH",
                    SnpCommandStructs.launchFinish(arena, idBlock, hostData), arena, true);
        }
    }

    /** The launched VM (for the exit loop and KVM_SET_MEMORY_ATTRIBUTES). */
    public VmFd vm() {
        if (vm == null) {
            throw new IllegalStateException("the SNP VM has not been created");
        }
        return vm;
    }

    /** vCPU 0, once created. */
    public VcpuFd vcpu() {
        if (vcpu == null) {
            throw new IllegalStateException("the SNP vCPU has not been created");
        }
        return vcpu;
    }

    /** The shared view of guest memory: what the host reads the mailbox from. */
    public GuestMemory sharedMemory() {
        if (shared == null) {
            throw new IllegalStateException("the SNP VM has no memory yet");
        }
        return shared;
    }

    @Override
    public void close() {
        if (vm != null) {
            vm.close();
        }
        if (memfd != null) {
            memfd.close();
        }
        if (shared != null && !shared.isRegistered()) {
            shared.close();
        }
        kvm.close();
        sev.close();
    }

    /** A failed KVM_MEMORY_ENCRYPT_OP: the errno and kvm_sev_cmd.error. */
    private record Failure(int errno, int firmwareError) {
        SnpLaunchException exception(String step) {
            return new SnpLaunchException(step, errno, Libc.strerror(errno), firmwareError);
        }
    }

    /**
     * KVM_MEMORY_ENCRYPT_OP with a kvm_sev_cmd for sub-command {@code id} pointing at {@code data}.
     * Returns null on success; on failure throws (when {@code throwOnFailure}) or returns the failure.
     */
    private Failure command(int id, String name, MemorySegment data, Arena arena, boolean throwOnFailure)
            throws SnpLaunchException {
        MemorySegment cmd = SnpCommandStructs.sevCmd(arena, id, data, sev.fd());
        try {
            vm().memoryEncryptOp(cmd);
            return null;
        } catch (NativeCallException e) {
            Failure failure = new Failure(e.errno(), SnpCommandStructs.firmwareError(cmd));
            if (throwOnFailure) {
                throw failure.exception(name);
            }
            return failure;
        } catch (KvmException e) {
            throw failure(name, e);
        }
    }

    private static SnpLaunchException failure(String step, KvmException e) {
        if (e instanceof NativeCallException n) {
            return new SnpLaunchException(step, n.errno(), Libc.strerror(n.errno()), SevFirmwareError.SUCCESS);
        }
        return new SnpLaunchException(step + " failed: " + e.getMessage());
    }
}
