package dev.keep.loader.wasi.fs;

import dev.keep.kvm.Libc;

/**
 * A file-system request of the guest failed. Carries the WASI errno to hand back to the guest and,
 * when the kernel refused it, the Linux errno; the message is one line naming the call and path.
 */
public class FsException extends Exception {
    private final WasiErrno wasiErrno;
    private final int hostErrno;

    public FsException(WasiErrno wasiErrno, int hostErrno, String message) {
        super(message);
        this.wasiErrno = wasiErrno;
        this.hostErrno = hostErrno;
    }

    /** Refused by this package before any system call: there is no host errno. */
    static FsException refused(WasiErrno wasiErrno, String message) {
        return new FsException(wasiErrno, 0, message);
    }

    /** The kernel answered {@code -hostErrno} to {@code call} on the guest path {@code path}. */
    static FsException fromKernel(String call, String path, int hostErrno,
            ErrnoMapping.Context context) {
        WasiErrno mapped = ErrnoMapping.toWasi(hostErrno, context);
        String where = path == null ? call : call + "(" + path + ")";
        return new FsException(mapped, hostErrno, where + " failed: " + Libc.strerror(hostErrno)
                + " (errno " + hostErrno + ", WASI " + mapped.name().toLowerCase() + ")");
    }

    public WasiErrno wasiErrno() {
        return wasiErrno;
    }

    /** The Linux errno, or 0 when this package refused the request itself. */
    public int hostErrno() {
        return hostErrno;
    }
}
