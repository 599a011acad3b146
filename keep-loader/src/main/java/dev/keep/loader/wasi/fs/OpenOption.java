package dev.keep.loader.wasi.fs;

/**
 * How {@link HostDirectory#openFile} opens a file: WASI's {@code oflags} (creat, excl, trunc),
 * the {@code fdflags} that matter at open (append, dsync, sync) and the absence of
 * {@code lookupflags.symlink_follow} ({@link #NO_FOLLOW}). A closed set rather than raw Linux
 * flags, so a caller can never pass O_PATH, O_TMPFILE or other bits the jail did not plan for.
 */
public enum OpenOption {
    CREATE(FsConstants.O_CREAT, true),
    EXCLUSIVE(FsConstants.O_EXCL, true),
    TRUNCATE(FsConstants.O_TRUNC, true),
    APPEND(FsConstants.O_APPEND, true),
    DSYNC(FsConstants.O_DSYNC, false),
    SYNC(FsConstants.O_SYNC, false),
    /** Do not follow a symlink in the last component: opening one fails with {@code loop}. */
    NO_FOLLOW(FsConstants.O_NOFOLLOW, false);

    final int linuxFlag;
    /** Whether the option changes the tree or a file's content, so read-only dirs refuse it. */
    final boolean writes;

    OpenOption(int linuxFlag, boolean writes) {
        this.linuxFlag = linuxFlag;
        this.writes = writes;
    }
}
