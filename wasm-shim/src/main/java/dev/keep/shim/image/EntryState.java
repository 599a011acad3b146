package dev.keep.shim.image;

import java.util.List;

/**
 * The vCPU state the keep starts in: directly at CPL3 at the runtime's entry point, with all
 * ring-0 state (paging, descriptor tables, TSS) already in place. No ring-0 code runs before the
 * payload.
 */
public record EntryState(long rip, long rsp, long rflags,
        long cr0, long cr3, long cr4, long efer, long xcr0,
        SegmentState cs, SegmentState ss, SegmentState ds, SegmentState es,
        SegmentState fs, SegmentState gs, SegmentState tr, SegmentState ldt,
        TableRegister gdtr, TableRegister idtr, List<CpuidLeaf> cpuid) {

    public EntryState {
        cpuid = List.copyOf(cpuid);
    }

    // Architectural bits the keep sets, named so the values read as what they mean.
    public static final long CR0_PE = 1L;
    public static final long CR0_MP = 1L << 1;
    public static final long CR0_EM = 1L << 2;
    public static final long CR0_TS = 1L << 3;
    public static final long CR0_ET = 1L << 4;
    public static final long CR0_NE = 1L << 5;
    public static final long CR0_WP = 1L << 16;
    public static final long CR0_AM = 1L << 18;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long CR4_OSFXSR = 1L << 9;
    public static final long CR4_OSXMMEXCPT = 1L << 10;
    public static final long CR4_OSXSAVE = 1L << 18;
    public static final long EFER_SCE = 1L;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;
    public static final long EFER_NXE = 1L << 11;
    public static final long XCR0_X87 = 1L;
    public static final long XCR0_SSE = 1L << 1;
    public static final long XCR0_AVX = 1L << 2;
    public static final long RFLAGS_RESERVED = 1L << 1;
    public static final long RFLAGS_IF = 1L << 9;
}
