package dev.keep.loader.wasi.net;

import dev.keep.kvm.Libc;
import dev.keep.loader.wasi.fs.ErrnoMapping;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.fs.WasiErrno;

/**
 * Socket failures as the {@link FsException} the WASI host hands back as an errno: the kernel's
 * errno through {@link ErrnoMapping}, and a one-line message naming the call.
 */
final class SocketErrors {
    private SocketErrors() {}

    static FsException fromKernel(String call, int hostErrno) {
        WasiErrno mapped = ErrnoMapping.toWasi(hostErrno, ErrnoMapping.Context.OPERATION);
        return new FsException(mapped, hostErrno, call + " failed: " + Libc.strerror(hostErrno)
                + " (errno " + hostErrno + ", WASI " + mapped.name().toLowerCase() + ")");
    }

    static FsException refused(WasiErrno errno, String why) {
        return new FsException(errno, 0, why);
    }

    /** {@code result} when it is not an error; otherwise the kernel's error for {@code call}. */
    static int checked(String call, int result) throws FsException {
        if (result < 0) {
            throw fromKernel(call, -result);
        }
        return result;
    }
}
