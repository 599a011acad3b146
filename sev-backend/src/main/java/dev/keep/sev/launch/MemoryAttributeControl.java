package dev.keep.sev.launch;

/**
 * KVM_SET_MEMORY_ATTRIBUTES on a running SNP VM: what the page-state-change handler needs, and
 * nothing else of the launch device.
 */
public interface MemoryAttributeControl {

    /** {@code struct kvm_memory_attributes.attributes}: the range is private (encrypted, guest_memfd backed). */
    long PRIVATE = dev.keep.kvm.KvmConstants.KVM_MEMORY_ATTRIBUTE_PRIVATE;
    /** Attributes 0: the range is shared with the host (backed by the slot's userspace memory). */
    long SHARED = 0;

    /** KVM_SET_MEMORY_ATTRIBUTES on {@code [gpa, gpa + size)}. */
    void setMemoryAttributes(long gpa, long size, long attributes) throws SnpLaunchException;
}
