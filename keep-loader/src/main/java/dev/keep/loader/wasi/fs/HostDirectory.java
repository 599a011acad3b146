package dev.keep.loader.wasi.fs;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A preopened directory: the jail for every guest path given relative to it. The host directory
 * is opened once as an O_PATH descriptor; every later operation resolves the guest's path beneath
 * that descriptor with openat2(2) (see {@link Openat2}), so {@code ..}, absolute or relative
 * symlinks pointing out, magic links and renames racing with the lookup cannot reach anything
 * outside. Calls that name a directory entry (mkdir, unlink, rmdir, rename, symlink, readlink)
 * resolve the parent beneath the jail and then act on the last component through the parent's
 * descriptor with the *at(2) call, which never follows a symlink in that last component.
 *
 * <p>A read-only directory refuses every write-ish open flag and every tree-changing call with
 * {@code rofs} before any system call is made, and opens files O_RDONLY.
 *
 * <p>Closing while another thread is still using the directory is the caller's business: the
 * descriptor number could be reused by then. The WASI layer serializes close with use per fd.
 */
public final class HostDirectory implements AutoCloseable {

    public enum Access { READ_ONLY, READ_WRITE }

    /** Whether paths may cross mount points below the directory (RESOLVE_NO_XDEV when not). */
    public enum Mounts { CROSS, STAY }

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int AT_SYMLINK_FOLLOW = 0x400;
    private static final int DIRECTORY_PATH = FsConstants.O_PATH | FsConstants.O_DIRECTORY;

    private final int fd;
    private final String name;
    private final Access access;
    private final Openat2 openat2;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HostDirectory(int fd, String name, Access access, Openat2 openat2) {
        this.fd = fd;
        this.name = name;
        this.access = access;
        this.openat2 = openat2;
    }

    public static HostDirectory open(Path hostPath, Access access) throws FsException {
        return open(hostPath, access, Mounts.CROSS);
    }

    public static HostDirectory open(Path hostPath, Access access, Mounts mounts)
            throws FsException {
        return open(hostPath, access, mounts, FsConstants.SYS_openat2);
    }

    /** With another syscall number, so a test can see the fail-closed path on a real ENOSYS. */
    static HostDirectory open(Path hostPath, Access access, Mounts mounts, long syscallNumber)
            throws FsException {
        long resolve = FsConstants.RESOLVE_BENEATH | FsConstants.RESOLVE_NO_MAGICLINKS
                | (mounts == Mounts.STAY ? FsConstants.RESOLVE_NO_XDEV : 0);
        Openat2 openat2 = new Openat2(syscallNumber, resolve);
        String shown = hostPath.toString();
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            // The host path comes from Keep.toml, not from the guest: plain open(2) is right here.
            fd = FsNative.open(arena.allocateFrom(shown), DIRECTORY_PATH | FsConstants.O_CLOEXEC);
        }
        if (fd < 0) {
            throw FsException.fromKernel("open preopened directory", shown, -fd,
                    ErrnoMapping.Context.OPERATION);
        }
        try {
            openat2.probe(fd);
        } catch (FsException e) {
            FsNative.close(fd);
            throw e;
        }
        return new HostDirectory(fd, shown, access, openat2);
    }

    public boolean readOnly() {
        return access == Access.READ_ONLY;
    }

    /** The host path (or guest path, for directories opened from another) it was opened by. */
    public String name() {
        return name;
    }

    /**
     * Opens a file beneath this directory. {@code mode} (permission bits 0777 only) applies when
     * CREATE makes a new file.
     */
    public HostFile openFile(String path, FileAccess fileAccess, Set<OpenOption> options, int mode)
            throws FsException {
        boolean writes = fileAccess != FileAccess.READ
                || options.stream().anyMatch(option -> option.writes);
        if (writes) {
            refuseIfReadOnly("open " + GuestPath.shown(path) + " for writing");
        }
        GuestPath guestPath = GuestPath.of(path);
        int flags = fileAccess.linuxFlag;
        for (OpenOption option : options) {
            flags |= option.linuxFlag;
        }
        boolean creates = options.contains(OpenOption.CREATE);
        int fileFd = openat2.open(liveFd(), guestPath.text(), flags, creates ? mode & 0777 : 0);
        return new HostFile(fileFd, path);
    }

    /** Opens a directory beneath this one as a jail of its own, narrower, with the same access. */
    public HostDirectory openDirectory(String path) throws FsException {
        return openDirectory(path, true);
    }

    /**
     * As {@link #openDirectory(String)}; with {@code followSymlinks} false a symlink as the last
     * component is not followed, so opening one fails with {@code notdir} even when it points to
     * a directory (WASI's path_open without lookupflags.symlink_follow).
     */
    public HostDirectory openDirectory(String path, boolean followSymlinks) throws FsException {
        GuestPath guestPath = GuestPath.of(path);
        int flags = DIRECTORY_PATH | (followSymlinks ? 0 : FsConstants.O_NOFOLLOW);
        int dirFd = openat2.open(liveFd(), guestPath.text(), flags, 0);
        return new HostDirectory(dirFd, path, access, openat2);
    }

    public void createDirectory(String path, int mode) throws FsException {
        refuseIfReadOnly("mkdir " + GuestPath.shown(path));
        withParent(GuestPath.of(path), WasiErrno.EXIST, (parent, name) ->
                FsNative.mkdirat(parent, name, mode & 0777), "mkdirat");
    }

    public void removeFile(String path) throws FsException {
        refuseIfReadOnly("unlink " + GuestPath.shown(path));
        withParent(GuestPath.of(path), WasiErrno.INVAL, (parent, name) ->
                FsNative.unlinkat(parent, name, 0), "unlinkat");
    }

    public void removeDirectory(String path) throws FsException {
        refuseIfReadOnly("rmdir " + GuestPath.shown(path));
        withParent(GuestPath.of(path), WasiErrno.INVAL, (parent, name) ->
                FsNative.unlinkat(parent, name, FsConstants.AT_REMOVEDIR), "unlinkat");
    }

    /**
     * Creates a symlink {@code path} whose content is {@code target}. Every later lookup through
     * it is resolved beneath a jail, so its content cannot lead the guest out; absolute targets
     * are refused all the same ({@code notcapable}), so the tree never holds links that would
     * lead host programs reading it somewhere the guest chose.
     */
    public void symlink(String target, String path) throws FsException {
        refuseIfReadOnly("symlink " + GuestPath.shown(path));
        GuestPath targetPath = GuestPath.of(target);
        withParent(GuestPath.of(path), WasiErrno.EXIST, (parent, name) -> {
            try (Arena arena = Arena.ofConfined()) {
                return FsNative.symlinkat(arena.allocateFrom(targetPath.text()), parent, name);
            }
        }, "symlinkat");
    }

    /** The content of the symlink {@code path} (its last component is not followed). */
    public String readlink(String path) throws FsException {
        String[] content = new String[1];
        withParent(GuestPath.of(path), WasiErrno.INVAL, (parent, name) -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(FsConstants.PATH_MAX);
                long length = FsNative.readlinkat(parent, name, buffer);
                if (length < 0) {
                    return (int) length;
                }
                byte[] bytes = buffer.asSlice(0, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                content[0] = new String(bytes, StandardCharsets.UTF_8);
                return 0;
            }
        }, "readlinkat");
        return content[0];
    }

    /** Renames within this directory. */
    public void rename(String from, String to) throws FsException {
        rename(from, this, to);
    }

    /**
     * Renames {@code from} beneath this directory to {@code to} beneath {@code target} (the same
     * or another jail): both parents are resolved beneath their own jails, then renameat2(2)
     * moves one entry between the two parent descriptors.
     */
    public void rename(String from, HostDirectory target, String to) throws FsException {
        refuseIfReadOnly("rename " + GuestPath.shown(from));
        target.refuseIfReadOnly("rename to " + GuestPath.shown(to));
        GuestPath fromPath = GuestPath.of(from);
        GuestPath toPath = GuestPath.of(to);
        withParent(fromPath, WasiErrno.BUSY, (oldParent, oldName) ->
                target.withParentResult(toPath, WasiErrno.EXIST, (newParent, newName) ->
                        FsNative.renameat2(oldParent, oldName, newParent, newName, 0)),
                "renameat2");
    }

    /**
     * Makes {@code to} (beneath {@code target}) a hard link to {@code from}. Without
     * {@code followSymlinks} a final symlink in {@code from} is linked itself (linkat without
     * AT_SYMLINK_FOLLOW never follows it). With it, {@code from} is first opened O_PATH beneath
     * this jail and linked through its /proc/self/fd magic link, so a symlink pointing out can
     * never make the guest a link to a file outside.
     */
    public void link(String from, boolean followSymlinks, HostDirectory target, String to)
            throws FsException {
        refuseIfReadOnly("link " + GuestPath.shown(from));
        target.refuseIfReadOnly("link to " + GuestPath.shown(to));
        GuestPath fromPath = GuestPath.of(from);
        GuestPath toPath = GuestPath.of(to);
        if (!followSymlinks) {
            withParent(fromPath, WasiErrno.PERM, (oldParent, oldName) ->
                    target.withParentResult(toPath, WasiErrno.EXIST, (newParent, newName) ->
                            FsNative.linkat(oldParent, oldName, newParent, newName, 0)),
                    "linkat");
            return;
        }
        int source = openat2.open(liveFd(), fromPath.text(), FsConstants.O_PATH, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment magic = arena.allocateFrom("/proc/self/fd/" + source);
            target.withParent(toPath, WasiErrno.EXIST, (newParent, newName) ->
                    FsNative.linkat(AT_FDCWD, magic, newParent, newName, AT_SYMLINK_FOLLOW),
                    "linkat");
        } finally {
            FsNative.close(source);
        }
    }

    /** Stat of {@code path}; with {@code followSymlinks} false a final symlink is reported itself. */
    public FileStat stat(String path, boolean followSymlinks) throws FsException {
        GuestPath guestPath = GuestPath.of(path);
        int flags = FsConstants.O_PATH | (followSymlinks ? 0 : FsConstants.O_NOFOLLOW);
        int pathFd = openat2.open(liveFd(), guestPath.text(), flags, 0);
        try {
            return Stat.of(pathFd, path);
        } finally {
            FsNative.close(pathFd);
        }
    }

    /**
     * The names in this directory (without "." and ".."), sorted. Listed through the descriptor's
     * /proc/self/fd magic link, which names the very directory the jail holds, so a rename of
     * the host path in the meantime cannot redirect the listing.
     */
    public List<String> list() throws FsException {
        Path self = Path.of("/proc/self/fd", Integer.toString(liveFd()));
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(self)) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        } catch (IOException | DirectoryIteratorException e) {
            throw FsException.refused(WasiErrno.IO, "cannot list " + GuestPath.shown(name) + ": "
                    + e.getMessage());
        }
        Collections.sort(names);
        return names;
    }

    /**
     * Sets the times of {@code path} (see {@link FileTimes} for the flags). Following a final
     * symlink, the file is first opened O_PATH beneath the jail and changed through its
     * /proc/self/fd magic link, so the kernel never follows the symlink out; otherwise the call
     * acts on the last component itself (AT_SYMLINK_NOFOLLOW).
     */
    public void setTimes(String path, boolean followSymlinks, long atim, long mtim, int fstflags)
            throws FsException {
        refuseIfReadOnly("set times of " + GuestPath.shown(path));
        GuestPath guestPath = GuestPath.of(path);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment times = FileTimes.timespecs(arena, atim, mtim, fstflags);
            if (followSymlinks) {
                int target = openat2.open(liveFd(), guestPath.text(), FsConstants.O_PATH, 0);
                try {
                    int result = FsNative.utimensat(AT_FDCWD,
                            arena.allocateFrom("/proc/self/fd/" + target), times, 0);
                    if (result < 0) {
                        throw FsException.fromKernel("utimensat", guestPath.toString(), -result,
                                ErrnoMapping.Context.OPERATION);
                    }
                } finally {
                    FsNative.close(target);
                }
            } else {
                withParent(guestPath, WasiErrno.INVAL, (parent, name) ->
                        FsNative.utimensat(parent, name, times, AT_SYMLINK_NOFOLLOW), "utimensat");
            }
        }
    }

    /** Stat of this directory itself. */
    public FileStat stat() throws FsException {
        return Stat.of(liveFd(), name);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            FsNative.close(fd);
        }
    }

    /** One *at(2) call on a parent descriptor and a last component; returns 0 or -errno. */
    @FunctionalInterface
    private interface EntryCall {
        int apply(int parentFd, MemorySegment name) throws FsException;
    }

    private void withParent(GuestPath path, WasiErrno dotError, EntryCall call, String callName)
            throws FsException {
        int result = withParentResult(path, dotError, call);
        if (result < 0) {
            throw FsException.fromKernel(callName, path.toString(), -result,
                    ErrnoMapping.Context.OPERATION);
        }
    }

    /**
     * Resolves the parent of {@code path} beneath the jail and runs {@code call} on it with the
     * last component. A last component of "." or ".." never reaches the *at call: the whole path
     * is resolved beneath first (so an escape still reports notcapable), then {@code dotError}.
     */
    private int withParentResult(GuestPath path, WasiErrno dotError, EntryCall call)
            throws FsException {
        int root = liveFd();
        GuestPath.Entry entry = path.entry();
        if (entry.isDotOrDotDot()) {
            FsNative.close(openat2.open(root, path.text(), DIRECTORY_PATH, 0));
            throw FsException.refused(dotError, path + " names a directory by '"
                    + entry.component() + "', not an entry");
        }
        int parent = entry.parent() == null || entry.parent().isEmpty()
                ? root
                : openat2.open(root, entry.parent(), DIRECTORY_PATH, 0);
        try (Arena arena = Arena.ofConfined()) {
            int result;
            MemorySegment name = arena.allocateFrom(entry.name());
            do {
                result = call.apply(parent, name);
            } while (result == -FsConstants.EINTR);
            return result;
        } finally {
            if (parent != root) {
                FsNative.close(parent);
            }
        }
    }

    private void refuseIfReadOnly(String what) throws FsException {
        if (access == Access.READ_ONLY) {
            throw FsException.refused(WasiErrno.ROFS, what + " refused: preopened directory "
                    + GuestPath.shown(name) + " is read-only");
        }
    }

    private int liveFd() throws FsException {
        if (closed.get()) {
            throw FsException.refused(WasiErrno.BADF, "directory " + GuestPath.shown(name)
                    + " is closed");
        }
        return fd;
    }
}
