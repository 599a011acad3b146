package dev.keep.loader.wasi.fs;

import static dev.keep.loader.wasi.fs.FsConstants.*;

/**
 * Linux errno to WASI errno. Two contexts differ only in EXDEV: when openat2(2) resolves a guest
 * path with RESOLVE_BENEATH, EXDEV means "this path would leave the preopened directory" (an
 * absolute path, a {@code ..} or a symlink pointing out, a magic link, or a mount crossing when
 * those are refused), which WASI calls {@code notcapable}, as wasmtime reports it; from rename(2)
 * it is the ordinary cross-filesystem error {@code xdev}. Anything not in the table becomes
 * {@code io}, so an unexpected host error never passes as success or as a misleading code.
 */
public final class ErrnoMapping {
    private ErrnoMapping() {}

    /** Where the errno came from; decides what EXDEV means. */
    public enum Context { PATH_RESOLUTION, OPERATION }

    public static WasiErrno toWasi(int hostErrno, Context context) {
        return switch (hostErrno) {
            case EXDEV -> context == Context.PATH_RESOLUTION ? WasiErrno.NOTCAPABLE : WasiErrno.XDEV;
            case EPERM -> WasiErrno.PERM;
            case ENOENT -> WasiErrno.NOENT;
            case EINTR -> WasiErrno.INTR;
            case EIO -> WasiErrno.IO;
            case ENXIO -> WasiErrno.NXIO;
            case E2BIG -> WasiErrno.TOO_BIG;
            case EBADF -> WasiErrno.BADF;
            case EAGAIN -> WasiErrno.AGAIN;
            case ENOMEM -> WasiErrno.NOMEM;
            case EACCES -> WasiErrno.ACCES;
            case EFAULT -> WasiErrno.FAULT;
            case EBUSY -> WasiErrno.BUSY;
            case EEXIST -> WasiErrno.EXIST;
            case ENODEV -> WasiErrno.NODEV;
            case ENOTDIR -> WasiErrno.NOTDIR;
            case EISDIR -> WasiErrno.ISDIR;
            case EINVAL -> WasiErrno.INVAL;
            case ENFILE -> WasiErrno.NFILE;
            case EMFILE -> WasiErrno.MFILE;
            case ETXTBSY -> WasiErrno.TXTBSY;
            case EFBIG -> WasiErrno.FBIG;
            case ENOSPC -> WasiErrno.NOSPC;
            case ESPIPE -> WasiErrno.SPIPE;
            case EROFS -> WasiErrno.ROFS;
            case EMLINK -> WasiErrno.MLINK;
            case EPIPE -> WasiErrno.PIPE;
            case ERANGE -> WasiErrno.RANGE;
            case ENAMETOOLONG -> WasiErrno.NAMETOOLONG;
            case ENOSYS -> WasiErrno.NOSYS;
            case ENOTEMPTY -> WasiErrno.NOTEMPTY;
            case ELOOP -> WasiErrno.LOOP;
            case EOVERFLOW -> WasiErrno.OVERFLOW;
            case EILSEQ -> WasiErrno.ILSEQ;
            case EOPNOTSUPP -> WasiErrno.NOTSUP;
            case ESTALE -> WasiErrno.STALE;
            case EDQUOT -> WasiErrno.DQUOT;
            case ENOTSOCK -> WasiErrno.NOTSOCK;
            case EDESTADDRREQ -> WasiErrno.DESTADDRREQ;
            case EMSGSIZE -> WasiErrno.MSGSIZE;
            case EPROTOTYPE -> WasiErrno.PROTOTYPE;
            case ENOPROTOOPT -> WasiErrno.NOPROTOOPT;
            case EPROTONOSUPPORT -> WasiErrno.PROTONOSUPPORT;
            case EAFNOSUPPORT -> WasiErrno.AFNOSUPPORT;
            case EADDRINUSE -> WasiErrno.ADDRINUSE;
            case EADDRNOTAVAIL -> WasiErrno.ADDRNOTAVAIL;
            case ENETDOWN -> WasiErrno.NETDOWN;
            case ENETUNREACH -> WasiErrno.NETUNREACH;
            case ENETRESET -> WasiErrno.NETRESET;
            case ECONNABORTED -> WasiErrno.CONNABORTED;
            case ECONNRESET -> WasiErrno.CONNRESET;
            case ENOBUFS -> WasiErrno.NOBUFS;
            case EISCONN -> WasiErrno.ISCONN;
            case ENOTCONN -> WasiErrno.NOTCONN;
            case ETIMEDOUT -> WasiErrno.TIMEDOUT;
            case ECONNREFUSED -> WasiErrno.CONNREFUSED;
            case EHOSTUNREACH -> WasiErrno.HOSTUNREACH;
            case EALREADY -> WasiErrno.ALREADY;
            case EINPROGRESS -> WasiErrno.INPROGRESS;
            default -> WasiErrno.IO;
        };
    }
}
