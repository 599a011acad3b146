package dev.keep.sev.measure.ovmf;

/**
 * Hypervisors whose initial vCPU state and page-type choices differ in ways that change the
 * measurement of an OVMF guest.
 */
public enum VmmModel {
    /** QEMU/KVM: VMSA from KVM's reset state, RDX = the vCPU signature. */
    QEMU,
    /** AWS EC2: other segment attributes, RDX 0x600, no FPU defaults; CPUID page measured last. */
    EC2,
    /** Google Compute Engine: RDX 0x600, its own PAT value; SEC memory added as UNMEASURED pages. */
    GCE
}
