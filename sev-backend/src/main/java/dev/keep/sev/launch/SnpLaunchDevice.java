package dev.keep.sev.launch;

import java.util.Optional;

/**
 * The kernel operations of an SEV-SNP launch, one method per ioctl (sub-)command, in the terms of
 * the Linux 6.11+ uAPI (sev-snp.md §1). {@link SnpLauncher} decides what to call in which order;
 * an implementation only encodes the arguments and issues the call. {@link KvmSnpLaunchDevice} is
 * the real one (Panama, /dev/kvm and /dev/sev).
 *
 * <p>Every method fails with an {@link SnpLaunchException} whose message is one line naming the
 * call, the errno and, for firmware commands, the firmware status by name.
 */
public interface SnpLaunchDevice extends MemoryAttributeControl, AutoCloseable {

    /** KVM_CREATE_VM with type KVM_X86_SNP_VM (4). */
    void createSnpVm() throws SnpLaunchException;

    /** KVM_MEMORY_ENCRYPT_OP(KVM_SEV_INIT2) with {@code struct kvm_sev_init}; flags 0. */
    void sevInit2(long vmsaFeatures, int ghcbVersion) throws SnpLaunchException;

    /** KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL) with {@code args[0] = hypercallMask}. */
    void enableHypercallExits(long hypercallMask) throws SnpLaunchException;

    /** KVM_CREATE_GUEST_MEMFD of {@code size} bytes; returns the guest_memfd descriptor. */
    int createGuestMemfd(long size) throws SnpLaunchException;

    /**
     * KVM_SET_USER_MEMORY_REGION2 with KVM_MEM_GUEST_MEMFD: {@code size} bytes at {@code gpa},
     * private pages from {@code guestMemfd} at {@code guestMemfdOffset}, shared pages from host
     * memory the device provides as {@code userspace_addr}.
     */
    void setUserMemoryRegion2(int slot, long gpa, long size, int guestMemfd, long guestMemfdOffset)
            throws SnpLaunchException;

    /** KVM_CREATE_VCPU, then the register state the keep's VMSA is predicted from. */
    void createVcpu(int id) throws SnpLaunchException;

    /** KVM_MEMORY_ENCRYPT_OP(KVM_SEV_SNP_LAUNCH_START) with {@code policy}, zero GOSVW, flags 0. */
    void snpLaunchStart(long policy) throws SnpLaunchException;

    /**
     * KVM_MEMORY_ENCRYPT_OP(KVM_SEV_SNP_LAUNCH_UPDATE) of {@code update}: gfn_start = gpa >> 12,
     * uaddr = the update's bytes (ignored for ZERO), len, type. KVM may process only a prefix
     * ({@link LaunchUpdateOutcome.Done#pages()}); a CPUID page the firmware rejects comes back as
     * {@link LaunchUpdateOutcome.CpuidRejected} with the bytes the firmware wrote back.
     */
    LaunchUpdateOutcome snpLaunchUpdate(LaunchUpdate update) throws SnpLaunchException;

    /**
     * KVM_MEMORY_ENCRYPT_OP(KVM_SEV_SNP_LAUNCH_FINISH): KVM first measures every vCPU's VMSA, then
     * the firmware finishes the launch with the optional ID block and {@code hostData} (32 bytes).
     */
    void snpLaunchFinish(Optional<SnpIdBlock> idBlock, byte[] hostData) throws SnpLaunchException;

    /** Releases everything the device opened; a VM that was launched stops existing. */
    @Override
    void close();
}
