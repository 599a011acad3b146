package dev.keep.shim.image;

/**
 * What a mapped virtual region allows. Leaf page-table entries get exactly these bits; the upper
 * levels are permissive (present, writable, user) so the leaf alone decides.
 */
public enum Access {
    /** Not mapped at all: any access faults. */
    NONE(false, false, false, false),
    SUPERVISOR_READ(true, false, false, false),
    SUPERVISOR_READ_WRITE(true, false, true, false),
    SUPERVISOR_READ_EXECUTE(true, false, false, true),
    USER_READ_WRITE(true, true, true, false),
    USER_READ_EXECUTE(true, true, false, true);

    private final boolean present;
    private final boolean user;
    private final boolean writable;
    private final boolean executable;

    Access(boolean present, boolean user, boolean writable, boolean executable) {
        this.present = present;
        this.user = user;
        this.writable = writable;
        this.executable = executable;
    }

    public boolean present() {
        return present;
    }

    public boolean user() {
        return user;
    }

    public boolean writable() {
        return writable;
    }

    public boolean executable() {
        return executable;
    }
}
