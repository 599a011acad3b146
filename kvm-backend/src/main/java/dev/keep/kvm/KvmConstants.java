package dev.keep.kvm;

/**
 * KVM constants from {@code <linux/kvm.h>} and {@code <asm/kvm.h>} (x86-64) that this module and
 * its users need. Every public static final field is named exactly like its C macro: the ABI test
 * enumerates this class by reflection and compares each value with the system headers (or, for
 * macros newer than the installed headers, with the documented values).
 */
public final class KvmConstants {

    private KvmConstants() {}

    /** The only KVM API version there has ever been; KVM_GET_API_VERSION must answer this. */
    public static final int KVM_API_VERSION = 12;

    // asm/kvm.h array bounds
    public static final int KVM_NR_INTERRUPTS = 256;
    public static final int KVM_MAX_XCRS = 16;

    // kvm_run.exit_reason
    public static final int KVM_EXIT_UNKNOWN = 0;
    public static final int KVM_EXIT_EXCEPTION = 1;
    public static final int KVM_EXIT_IO = 2;
    public static final int KVM_EXIT_HYPERCALL = 3;
    public static final int KVM_EXIT_DEBUG = 4;
    public static final int KVM_EXIT_HLT = 5;
    public static final int KVM_EXIT_MMIO = 6;
    public static final int KVM_EXIT_IRQ_WINDOW_OPEN = 7;
    public static final int KVM_EXIT_SHUTDOWN = 8;
    public static final int KVM_EXIT_FAIL_ENTRY = 9;
    public static final int KVM_EXIT_INTR = 10;
    public static final int KVM_EXIT_INTERNAL_ERROR = 17;
    public static final int KVM_EXIT_SYSTEM_EVENT = 24;
    /** Linux 6.8+: a guest access KVM could not resolve (e.g. private/shared mismatch under SNP). */
    public static final int KVM_EXIT_MEMORY_FAULT = 39;

    // kvm_run.io.direction
    public static final int KVM_EXIT_IO_IN = 0;
    public static final int KVM_EXIT_IO_OUT = 1;

    // kvm_run.internal.suberror
    public static final int KVM_INTERNAL_ERROR_EMULATION = 1;
    public static final int KVM_INTERNAL_ERROR_SIMUL_EX = 2;
    public static final int KVM_INTERNAL_ERROR_DELIVERY_EV = 3;

    // kvm_run.system_event.type
    public static final int KVM_SYSTEM_EVENT_SHUTDOWN = 1;
    public static final int KVM_SYSTEM_EVENT_RESET = 2;
    public static final int KVM_SYSTEM_EVENT_CRASH = 3;
    /** An SEV-ES/SNP guest asked to terminate through the GHCB; data[0] is the GHCB MSR value. */
    public static final int KVM_SYSTEM_EVENT_SEV_TERM = 6;

    // KVM_EXIT_HYPERCALL: hypercall numbers (linux/kvm_para.h) KVM forwards to userspace
    /** Guest page-state change (private/shared); args: gpa, npages, attributes. */
    public static final int KVM_HC_MAP_GPA_RANGE = 12;

    // KVM_HC_MAP_GPA_RANGE attributes (asm/kvm_para.h)
    public static final int KVM_MAP_GPA_RANGE_PAGE_SZ_4K = 0;
    public static final int KVM_MAP_GPA_RANGE_PAGE_SZ_2M = 1;
    public static final int KVM_MAP_GPA_RANGE_PAGE_SZ_1G = 1 << 1;
    /** The range becomes private (encrypted); without this bit it becomes shared. */
    public static final int KVM_MAP_GPA_RANGE_ENCRYPTED = 1 << 4;
    public static final int KVM_MAP_GPA_RANGE_DECRYPTED = 0;

    // KVM_CHECK_EXTENSION capabilities
    public static final int KVM_CAP_USER_MEMORY = 3;
    public static final int KVM_CAP_SET_TSS_ADDR = 4;
    public static final int KVM_CAP_EXT_CPUID = 7;
    public static final int KVM_CAP_NR_VCPUS = 9;
    public static final int KVM_CAP_SET_IDENTITY_MAP_ADDR = 37;
    public static final int KVM_CAP_XCRS = 56;
    public static final int KVM_CAP_MAX_VCPUS = 66;
    public static final int KVM_CAP_IMMEDIATE_EXIT = 136;
    /** KVM_ENABLE_CAP args[0]: bit mask of hypercall numbers to exit to userspace with. */
    public static final int KVM_CAP_EXIT_HYPERCALL = 201;
    public static final int KVM_CAP_USER_MEMORY2 = 231;
    public static final int KVM_CAP_MEMORY_ATTRIBUTES = 233;
    public static final int KVM_CAP_GUEST_MEMFD = 234;
    public static final int KVM_CAP_VM_TYPES = 235;

    // kvm_cpuid_entry2.flags; the header spells it "SIGNIFCANT" and so must we, to be checked.
    public static final int KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

    // kvm_userspace_memory_region(2).flags
    public static final int KVM_MEM_LOG_DIRTY_PAGES = 1;
    public static final int KVM_MEM_READONLY = 1 << 1;
    public static final int KVM_MEM_GUEST_MEMFD = 1 << 2;

    // kvm_memory_attributes.attributes
    public static final long KVM_MEMORY_ATTRIBUTE_PRIVATE = 1L << 3;

    // KVM_CREATE_VM machine types (x86)
    public static final int KVM_X86_DEFAULT_VM = 0;
    public static final int KVM_X86_SNP_VM = 4;
}
