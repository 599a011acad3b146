package dev.keep.shim.image;

import dev.keep.shim.abi.HostcallAbi;

/**
 * Where everything in a keep lives, in one place (the role Firecracker's layout.rs plays). Addresses
 * below {@link #USER_CODE_ADDRESS} are identity-mapped (virtual = physical) and hold the ring-0
 * structures and the mailbox; user regions above have fixed virtual addresses, so code can be
 * assembled before the image is built, and are packed into physical memory by the builder.
 */
public final class KeepLayout {
    private KeepLayout() {
    }

    public static final long PAGE_SIZE = 0x1000;
    public static final long HUGE_PAGE_SIZE = 0x20_0000;

    // ---- system area: first 2 MiB, identity-mapped with 4 KiB pages ----------------------------

    /** Page 0 stays unmapped so null-pointer accesses fault. */
    public static final long NULL_GUARD_SIZE = PAGE_SIZE;
    /** First page-table page: the PML4 (CR3 points here). */
    public static final long PAGE_TABLES_ADDRESS = 0x1000;
    /** Room for page tables: 15 pages, enough for the fixed layout plus 4 GiB of linear memory. */
    public static final long PAGE_TABLES_SIZE = 0xF000;
    public static final long GDT_ADDRESS = 0x10000;
    public static final long IDT_ADDRESS = 0x11000;
    /** TSS (0x68 bytes) followed by the I/O permission bitmap; spans three pages. */
    public static final long TSS_ADDRESS = 0x12000;
    public static final long TSS_REGION_SIZE = 0x3000;
    public static final long FAULT_RECORD_ADDRESS = HostcallAbi.FAULT_RECORD_ADDRESS;
    public static final long STUBS_ADDRESS = 0x16000;
    public static final long STUBS_SIZE = PAGE_SIZE;
    /** 0x17000 is an unmapped guard below the ring-0 stack. */
    public static final long RING0_STACK_ADDRESS = 0x18000;
    public static final long RING0_STACK_SIZE = 0x4000;
    /** TSS.RSP0: the stack the CPU switches to when an exception arrives from ring 3. */
    public static final long RING0_STACK_TOP = RING0_STACK_ADDRESS + RING0_STACK_SIZE;
    /** 0x1c000 is an unmapped guard between the two ring-0 stacks. */
    public static final long IST1_STACK_ADDRESS = 0x1D000;
    public static final long IST1_STACK_SIZE = PAGE_SIZE;
    /** TSS.IST1: a known-good stack for #DF and #MC even if RSP0's stack is damaged. */
    public static final long IST1_STACK_TOP = IST1_STACK_ADDRESS + IST1_STACK_SIZE;
    /** 0x1e000..0x1ffff unmapped guard above the IST stack. */
    public static final long MAILBOX_ADDRESS = HostcallAbi.MAILBOX_ADDRESS;
    public static final long MAILBOX_SIZE = HostcallAbi.MAILBOX_SIZE;
    /** End of the system area; physical memory for user regions starts here. */
    public static final long SYSTEM_AREA_SIZE = HUGE_PAGE_SIZE;

    // ---- SEV-SNP mode only: the pages after the mailbox (unused, unmapped in a plain keep) --------
    // Secrets and CPUID pages sit where the SNP launch puts them (sev-backend SnpLaunchLayout).

    /** The firmware's secrets page (VMPCK0): private, supervisor read-only. */
    public static final long SNP_SECRETS_ADDRESS = 0x30000;
    /** The firmware-checked CPUID page the #VC handler answers CPUID from: supervisor read-only. */
    public static final long SNP_CPUID_ADDRESS = 0x31000;
    /** The GHCB: shared (C-bit clear), supervisor read/write. 0x33000 is an unmapped guard. */
    public static final long SNP_GHCB_ADDRESS = 0x32000;
    /** Ring-0 SNP code: boot, #VC handler, CPUID-page lookup, GHCB registration, guest request. */
    public static final long SNP_CODE_ADDRESS = 0x34000;
    public static final long SNP_CODE_SIZE = 0x4000;
    /** 0x38000 is an unmapped guard below the #VC stack. */
    public static final long VC_STACK_ADDRESS = 0x39000;
    public static final long VC_STACK_SIZE = 0x2000;
    /** TSS.IST2: the stack #VC runs on, whatever RSP was (ring 0 or ring 3) when it arrived. */
    public static final long VC_STACK_TOP = VC_STACK_ADDRESS + VC_STACK_SIZE;
    /** 0x3b000 is an unmapped guard above the #VC stack. The guest-request state block: */
    public static final long GUEST_REQUEST_STATE_ADDRESS = 0x3C000;
    /** Private page where guest-request messages are built, checked and opened. */
    public static final long GUEST_REQUEST_BUFFER_ADDRESS = 0x3D000;
    /** Shared page the encrypted request is copied to for the hypervisor. */
    public static final long GUEST_REQUEST_PAGE_ADDRESS = 0x3E000;
    /** Shared page the hypervisor puts the PSP's encrypted response in. */
    public static final long GUEST_RESPONSE_PAGE_ADDRESS = 0x3F000;
    /** End of the SNP pages. */
    public static final long SNP_AREA_END = 0x40000;

    // ---- user regions: fixed virtual slots, 2 MiB aligned, separated by unmapped space ---------

    public static final long USER_CODE_ADDRESS = 0x20_0000;
    public static final long USER_CODE_MAX = 0x3E0_0000;
    public static final long USER_DATA_ADDRESS = 0x400_0000;
    public static final long USER_DATA_MAX = 0x3E0_0000;
    /** Initial RSP; the stack grows down from here. */
    public static final long USER_STACK_TOP = 0xC00_0000;
    public static final long USER_STACK_MAX = 0x3E0_0000;
    /** Unmapped space directly below the lowest stack page: stack overflow faults here. */
    public static final long USER_STACK_GUARD_SIZE = HUGE_PAGE_SIZE;

    // ---- Wasm linear memory ---------------------------------------------------------------------

    /** Virtual address of linear memory byte 0. */
    public static final long LINEAR_MEMORY_ADDRESS = 0x10_0000_0000L;
    /**
     * Virtual bytes reserved from {@link #LINEAR_MEMORY_ADDRESS}: a 32-bit index plus a 32-bit
     * offset reach at most 8 GiB past the base, so every wasm32 access lands inside the
     * reservation, and everything not committed in it is unmapped.
     */
    public static final long LINEAR_MEMORY_RESERVATION = 0x2_0000_0000L;
    /** Unmapped space below the reservation, so a negative effective address faults too. */
    public static final long LINEAR_MEMORY_GUARD_BELOW = 0x8000_0000L;
    /** Most linear memory that may be committed (wasm32's 65536 pages of 64 KiB). */
    public static final long LINEAR_MEMORY_MAX = 0x1_0000_0000L;
}
