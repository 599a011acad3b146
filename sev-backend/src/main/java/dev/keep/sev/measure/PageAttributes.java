package dev.keep.sev.measure;

/**
 * The per-page launch attributes that PAGE_INFO records besides type and contents: the IMI_PAGE flag
 * and the permission masks granted to VMPL3, VMPL2 and VMPL1.
 *
 * <p>KVM's uAPI cannot set any of them, so every page a KVM-launched guest measures uses
 * {@link #NONE}; the other values exist so that launches by other VMMs (or a future uAPI) can be
 * modelled exactly.
 */
public record PageAttributes(boolean imi, int vmpl3Perms, int vmpl2Perms, int vmpl1Perms) {

    /** IMI clear and no permissions for VMPL1..3: what KVM always uses. */
    public static final PageAttributes NONE = new PageAttributes(false, 0, 0, 0);

    public PageAttributes {
        checkPerms("VMPL3", vmpl3Perms);
        checkPerms("VMPL2", vmpl2Perms);
        checkPerms("VMPL1", vmpl1Perms);
    }

    private static void checkPerms(String name, int perms) {
        if (perms < 0 || perms > 0xFF) {
            throw new IllegalArgumentException(name + " permissions must fit in one byte, got " + perms);
        }
    }
}
