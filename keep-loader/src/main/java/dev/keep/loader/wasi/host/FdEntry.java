package dev.keep.loader.wasi.host;

import dev.keep.loader.wasi.fs.HostDirectory;
import dev.keep.loader.wasi.fs.HostFile;
import dev.keep.loader.wasi.net.HostSocket;
import java.io.InputStream;
import java.io.OutputStream;

/** What one of the keep's file descriptors refers to on the host. */
sealed interface FdEntry {

    /** Releases the host resource (streams belong to the caller and stay open). */
    default void release() {
    }

    /** The descriptor's rights (mutable: fd_fdstat_set_rights narrows them). */
    FdRights rights();

    /** The keep's standard input. */
    record Input(InputStream in, FdRights rights) implements FdEntry {
        Input(InputStream in) {
            this(in, new FdRights(FdRights.STREAM & ~FdRights.FD_WRITE, 0));
        }
    }

    /** The keep's standard output or error. */
    record Output(OutputStream out, FdRights rights) implements FdEntry {
        Output(OutputStream out) {
            this(out, new FdRights(FdRights.STREAM & ~FdRights.FD_READ, 0));
        }
    }

    /**
     * A directory: a preopen (with the name the keep sees) or one opened beneath one.
     *
     * @param preopenName null unless this is a preopened directory
     */
    record Directory(HostDirectory dir, String preopenName, FdRights rights) implements FdEntry {
        @Override
        public void release() {
            dir.close();
        }
    }

    /**
     * A file. The position is the keep's own: reads and writes go through pread/pwrite at it, so
     * fd_seek and fd_tell need no kernel state and an append-mode file writes at its end.
     */
    final class File implements FdEntry {
        final HostFile file;
        final boolean readable;
        final boolean writable;
        final FdRights rights;
        /** The fdflags other than append given at open (dsync, nonblock, rsync, sync). */
        final long openFlags;
        /** Whether the file lies beneath a read-only directory: its metadata stays as it is. */
        final boolean inReadOnlyTree;
        boolean append;
        long position;

        File(HostFile file, boolean readable, boolean writable, boolean append, FdRights rights,
                long openFlags, boolean inReadOnlyTree) {
            this.file = file;
            this.readable = readable;
            this.writable = writable;
            this.append = append;
            this.rights = rights;
            this.openFlags = openFlags;
            this.inReadOnlyTree = inReadOnlyTree;
        }

        @Override
        public FdRights rights() {
            return rights;
        }

        @Override
        public void release() {
            file.close();
        }
    }

    /**
     * A TCP socket: a listener or a connected stream. The host descriptor never blocks; whether
     * the keep's calls wait (in poll(2)) is the keep's own nonblock flag, kept here.
     */
    final class Socket implements FdEntry {
        final HostSocket socket;
        final FdRights rights;
        boolean nonblocking;

        Socket(HostSocket socket, boolean nonblocking) {
            this.socket = socket;
            this.nonblocking = nonblocking;
            this.rights = new FdRights(socket.isListener() ? FdRights.SOCKET_LISTENER
                    : FdRights.SOCKET_STREAM, 0);
        }

        @Override
        public FdRights rights() {
            return rights;
        }

        @Override
        public void release() {
            socket.close();
        }
    }
}
