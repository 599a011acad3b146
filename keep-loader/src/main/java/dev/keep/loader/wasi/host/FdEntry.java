package dev.keep.loader.wasi.host;

import dev.keep.loader.wasi.fs.HostDirectory;
import dev.keep.loader.wasi.fs.HostFile;
import java.io.InputStream;
import java.io.OutputStream;

/** What one of the keep's file descriptors refers to on the host. */
sealed interface FdEntry {

    /** Releases the host resource (streams belong to the caller and stay open). */
    default void release() {
    }

    /** The keep's standard input. */
    record Input(InputStream in) implements FdEntry {
    }

    /** The keep's standard output or error. */
    record Output(OutputStream out) implements FdEntry {
    }

    /**
     * A directory: a preopen (with the name the keep sees) or one opened beneath one.
     *
     * @param preopenName null unless this is a preopened directory
     */
    record Directory(HostDirectory dir, String preopenName) implements FdEntry {
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
        boolean append;
        long position;

        File(HostFile file, boolean readable, boolean writable, boolean append) {
            this.file = file;
            this.readable = readable;
            this.writable = writable;
            this.append = append;
        }

        @Override
        public void release() {
            file.close();
        }
    }
}
