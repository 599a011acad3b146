package dev.keep.loader.wasi.fs;

/**
 * The kernel has no openat2(2) (Linux before 5.6, or a seccomp filter that hides it). There is no
 * fallback: resolving guest paths component by component in Java would race with renames, so
 * preopened directories are refused altogether (fail closed).
 */
public final class Openat2UnavailableException extends FsException {
    Openat2UnavailableException(int hostErrno) {
        super(WasiErrno.NOSYS, hostErrno, "openat2(2) is not available on this kernel (needs Linux"
                + " 5.6+, errno " + hostErrno + "): preopened directories cannot be jailed safely,"
                + " so none are opened");
    }
}
