package dev.keep.shim.image;

/** What a page of the keep holds. Roles marked virtual-only never have physical memory. */
public enum PageRole {
    PAGE_TABLES(false),
    GDT(false),
    IDT(false),
    TSS(false),
    FAULT_RECORD(false),
    RING0_STUBS(false),
    RING0_STACK(false),
    IST_STACK(false),
    /** Hostcall mailbox: the one region shared with the host (unencrypted under SEV-SNP). */
    MAILBOX(false),
    /** SEV-SNP: the firmware's secrets page (launch page type SECRETS). */
    SNP_SECRETS(false),
    /** SEV-SNP: the firmware-checked CPUID page (launch page type CPUID). */
    SNP_CPUID(false),
    /** SEV-SNP: the GHCB, shared with the host. */
    GHCB(false),
    /** SEV-SNP: private guest-request state block and message buffer. */
    GUEST_REQUEST_STATE(false),
    /** SEV-SNP: the request and response pages of the guest request, shared with the host. */
    GUEST_REQUEST_SHARED(false),
    RUNTIME_CODE(false),
    DATA(false),
    STACK(false),
    LINEAR_MEMORY(false),
    /** Physical memory nothing uses (alignment padding, page 0). */
    UNUSED(false),
    /** Unmapped virtual space that must fault: null page, stack guards, space between regions. */
    GUARD(true),
    /** Unmapped part of the linear-memory reservation (not yet committed, or beyond the max). */
    LINEAR_RESERVED(true);

    private final boolean virtualOnly;

    PageRole(boolean virtualOnly) {
        this.virtualOnly = virtualOnly;
    }

    public boolean virtualOnly() {
        return virtualOnly;
    }

    /**
     * Whether the host must share this memory with the guest in clear (SEV-SNP: C-bit off): the
     * mailbox, the GHCB and the guest-request pages. Only SNP images have the last two.
     */
    public boolean shared() {
        return this == MAILBOX || this == GHCB || this == GUEST_REQUEST_SHARED;
    }
}
