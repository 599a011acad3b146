package dev.keep.kvm;

import static dev.keep.kvm.CFields.array;
import static dev.keep.kvm.CFields.u16;
import static dev.keep.kvm.CFields.u32;
import static dev.keep.kvm.CFields.u64;
import static dev.keep.kvm.CFields.u8;
import static java.lang.foreign.MemoryLayout.paddingLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * The x86-64 KVM structs from {@code <linux/kvm.h>} as FFM layouts. Member names are the C field
 * names (see {@link CStruct} for the conventions); {@link #ALL} lists every struct so the ABI test
 * checks each size, alignment and field offset against the system headers with gcc.
 *
 * <p>C types map as __u8 = JAVA_BYTE, __u16 = JAVA_SHORT, __u32 = JAVA_INT, __u64 = JAVA_LONG;
 * x86-64 aligns each naturally, and explicit padding layouts stand where C pads implicitly.
 */
public final class KvmStructs {

    private KvmStructs() {}

    /** struct kvm_regs: the general-purpose registers, RIP and RFLAGS (KVM_GET/SET_REGS). */
    public static final StructLayout KVM_REGS = structLayout(
            u64("rax"), u64("rbx"), u64("rcx"), u64("rdx"),
            u64("rsi"), u64("rdi"), u64("rsp"), u64("rbp"),
            u64("r8"), u64("r9"), u64("r10"), u64("r11"),
            u64("r12"), u64("r13"), u64("r14"), u64("r15"),
            u64("rip"), u64("rflags")).withName("kvm_regs");

    /** struct kvm_segment: one segment register with its unpacked descriptor cache. */
    public static final StructLayout KVM_SEGMENT = structLayout(
            u64("base"), u32("limit"), u16("selector"),
            u8("type"), u8("present"), u8("dpl"), u8("db"), u8("s"), u8("l"), u8("g"),
            u8("avl"), u8("unusable"), u8("padding")).withName("kvm_segment");

    /** struct kvm_dtable: GDTR or IDTR. */
    public static final StructLayout KVM_DTABLE = structLayout(
            u64("base"), u16("limit"), array("padding", 3, JAVA_SHORT)).withName("kvm_dtable");

    /** Number of u64 words in kvm_sregs.interrupt_bitmap, as the header computes it. */
    public static final int INTERRUPT_BITMAP_WORDS = (KvmConstants.KVM_NR_INTERRUPTS + 63) / 64;

    /** struct kvm_sregs: segment registers, descriptor tables, control registers, EFER. */
    public static final StructLayout KVM_SREGS = structLayout(
            KVM_SEGMENT.withName("cs"), KVM_SEGMENT.withName("ds"),
            KVM_SEGMENT.withName("es"), KVM_SEGMENT.withName("fs"),
            KVM_SEGMENT.withName("gs"), KVM_SEGMENT.withName("ss"),
            KVM_SEGMENT.withName("tr"), KVM_SEGMENT.withName("ldt"),
            KVM_DTABLE.withName("gdt"), KVM_DTABLE.withName("idt"),
            u64("cr0"), u64("cr2"), u64("cr3"), u64("cr4"), u64("cr8"),
            u64("efer"), u64("apic_base"),
            array("interrupt_bitmap", INTERRUPT_BITMAP_WORDS, JAVA_LONG)).withName("kvm_sregs");

    /** struct kvm_msr_entry: one MSR index and value. */
    public static final StructLayout KVM_MSR_ENTRY = structLayout(
            u32("index"), u32("reserved"), u64("data")).withName("kvm_msr_entry");

    /**
     * struct kvm_msrs: header of KVM_GET/SET_MSRS; {@code entries} is a flexible array, so the
     * layout has zero elements and callers allocate header + n * entry.
     */
    public static final StructLayout KVM_MSRS = structLayout(
            u32("nmsrs"), u32("pad"), array("entries", 0, KVM_MSR_ENTRY)).withName("kvm_msrs");

    /** struct kvm_cpuid_entry2: one CPUID leaf/subleaf result. */
    public static final StructLayout KVM_CPUID_ENTRY2 = structLayout(
            u32("function"), u32("index"), u32("flags"),
            u32("eax"), u32("ebx"), u32("ecx"), u32("edx"),
            array("padding", 3, JAVA_INT)).withName("kvm_cpuid_entry2");

    /** struct kvm_cpuid2: header of KVM_SET_CPUID2 / KVM_GET_SUPPORTED_CPUID (flexible array). */
    public static final StructLayout KVM_CPUID2 = structLayout(
            u32("nent"), u32("padding"), array("entries", 0, KVM_CPUID_ENTRY2))
            .withName("kvm_cpuid2");

    /** struct kvm_xcr: one extended control register (XCR0 is index 0). */
    public static final StructLayout KVM_XCR = structLayout(
            u32("xcr"), u32("reserved"), u64("value")).withName("kvm_xcr");

    /** struct kvm_xcrs: KVM_GET/SET_XCRS. */
    public static final StructLayout KVM_XCRS = structLayout(
            u32("nr_xcrs"), u32("flags"), array("xcrs", KvmConstants.KVM_MAX_XCRS, KVM_XCR),
            array("padding", 16, JAVA_LONG)).withName("kvm_xcrs");

    /** struct kvm_userspace_memory_region: KVM_SET_USER_MEMORY_REGION. */
    public static final StructLayout KVM_USERSPACE_MEMORY_REGION = structLayout(
            u32("slot"), u32("flags"), u64("guest_phys_addr"), u64("memory_size"),
            u64("userspace_addr")).withName("kvm_userspace_memory_region");

    /** struct kvm_userspace_memory_region2 (Linux 6.8+): adds the guest_memfd binding. */
    public static final StructLayout KVM_USERSPACE_MEMORY_REGION2 = structLayout(
            u32("slot"), u32("flags"), u64("guest_phys_addr"), u64("memory_size"),
            u64("userspace_addr"), u64("guest_memfd_offset"), u32("guest_memfd"), u32("pad1"),
            array("pad2", 14, JAVA_LONG)).withName("kvm_userspace_memory_region2");

    /** struct kvm_create_guest_memfd (Linux 6.8+): KVM_CREATE_GUEST_MEMFD. */
    public static final StructLayout KVM_CREATE_GUEST_MEMFD = structLayout(
            u64("size"), u64("flags"), array("reserved", 6, JAVA_LONG))
            .withName("kvm_create_guest_memfd");

    /** struct kvm_memory_attributes (Linux 6.8+): KVM_SET_MEMORY_ATTRIBUTES. */
    public static final StructLayout KVM_MEMORY_ATTRIBUTES = structLayout(
            u64("address"), u64("size"), u64("attributes"), u64("flags"))
            .withName("kvm_memory_attributes");

    /** struct kvm_enable_cap: KVM_ENABLE_CAP. */
    public static final StructLayout KVM_ENABLE_CAP = structLayout(
            u32("cap"), u32("flags"), array("args", 4, JAVA_LONG), array("pad", 64, JAVA_BYTE))
            .withName("kvm_enable_cap");

    /** Java name of kvm_run's anonymous exit-information union (see {@link CStruct}). */
    public static final String KVM_RUN_EXIT_UNION = CStruct.ANONYMOUS_PREFIX + "exit union";

    /** Java name of the anonymous {flags, data} union inside kvm_run.system_event. */
    public static final String SYSTEM_EVENT_DATA_UNION = CStruct.ANONYMOUS_PREFIX + "flags or data";

    /**
     * struct kvm_run: the page shared with the kernel through mmap of the vCPU fd. Modelled are
     * the header, the exit union members this VMM decodes (plus its 256-byte size), and the
     * trailing sync-register area as an opaque 2048-byte block.
     */
    public static final StructLayout KVM_RUN = structLayout(
            u8("request_interrupt_window"), u8("immediate_exit"),
            array("padding1", 6, JAVA_BYTE),
            u32("exit_reason"), u8("ready_for_interrupt_injection"), u8("if_flag"), u16("flags"),
            u64("cr8"), u64("apic_base"),
            CStruct.anonymous("exit union", unionLayout(
                    structLayout(u64("hardware_exit_reason")).withName("hw"),
                    structLayout(u64("hardware_entry_failure_reason"), u32("cpu"),
                            paddingLayout(4)).withName("fail_entry"),
                    structLayout(u32("exception"), u32("error_code")).withName("ex"),
                    structLayout(u8("direction"), u8("size"), u16("port"), u32("count"),
                            u64("data_offset")).withName("io"),
                    structLayout(u64("phys_addr"), array("data", 8, JAVA_BYTE), u32("len"),
                            u8("is_write"), paddingLayout(3)).withName("mmio"),
                    // The last 8 bytes are "__u32 longmode; __u32 pad" up to Linux 6.10 and
                    // "union { __u32 longmode; __u64 flags; }" since: left unnamed, so the layout
                    // checks against both header generations.
                    structLayout(u64("nr"), array("args", 6, JAVA_LONG), u64("ret"),
                            paddingLayout(8)).withName("hypercall"),
                    structLayout(u32("suberror"), u32("ndata"), array("data", 16, JAVA_LONG))
                            .withName("internal"),
                    structLayout(u32("type"), u32("ndata"),
                            CStruct.anonymous("flags or data",
                                    unionLayout(u64("flags"), array("data", 16, JAVA_LONG))))
                            .withName("system_event"),
                    array("padding", 256, JAVA_BYTE))),
            u64("kvm_valid_regs"), u64("kvm_dirty_regs"),
            // union { struct kvm_sync_regs regs; char padding[SYNC_REGS_SIZE_BYTES]; } s;
            array("s", 2048, JAVA_BYTE)).withName("kvm_run");

    /** Every struct above, paired with its C name, for the ABI test and documentation. */
    public static final List<CStruct> ALL = List.of(
            new CStruct("kvm_regs", KVM_REGS),
            new CStruct("kvm_segment", KVM_SEGMENT),
            new CStruct("kvm_dtable", KVM_DTABLE),
            new CStruct("kvm_sregs", KVM_SREGS),
            new CStruct("kvm_msr_entry", KVM_MSR_ENTRY),
            new CStruct("kvm_msrs", KVM_MSRS),
            new CStruct("kvm_cpuid_entry2", KVM_CPUID_ENTRY2),
            new CStruct("kvm_cpuid2", KVM_CPUID2),
            new CStruct("kvm_xcr", KVM_XCR),
            new CStruct("kvm_xcrs", KVM_XCRS),
            new CStruct("kvm_userspace_memory_region", KVM_USERSPACE_MEMORY_REGION),
            new CStruct("kvm_userspace_memory_region2", KVM_USERSPACE_MEMORY_REGION2),
            new CStruct("kvm_create_guest_memfd", KVM_CREATE_GUEST_MEMFD),
            new CStruct("kvm_memory_attributes", KVM_MEMORY_ATTRIBUTES),
            new CStruct("kvm_enable_cap", KVM_ENABLE_CAP),
            new CStruct("kvm_run", KVM_RUN));
}
