package dev.keep.loader.wasi.host;

import dev.keep.shim.abi.HostcallAbi;

/**
 * What one keep may hold and move per hostcall.
 *
 * @param maxOpenFds descriptors open at once, the standard streams and preopens included; a
 *     path_open beyond it answers {@code mfile}
 * @param maxBytesPerRequest bytes one read, write, readdir or readlink moves at most (a longer
 *     one is short, as WASI allows); never more than the ABI's {@code WASI_MAX_TRANSFER}
 */
public record KeepLimits(int maxOpenFds, int maxBytesPerRequest) {
    /** 128 descriptors and the ABI's full transfer size. */
    public static final KeepLimits DEFAULT = new KeepLimits(128, HostcallAbi.WASI_MAX_TRANSFER);

    public KeepLimits {
        if (maxOpenFds < 3) {
            throw new IllegalArgumentException("keep limits: at least 3 open fds (the standard"
                    + " streams), got " + maxOpenFds);
        }
        if (maxBytesPerRequest < 1 || maxBytesPerRequest > HostcallAbi.WASI_MAX_TRANSFER) {
            throw new IllegalArgumentException("keep limits: bytes per request must be 1.."
                    + HostcallAbi.WASI_MAX_TRANSFER + ", got " + maxBytesPerRequest);
        }
    }
}
