package dev.keep.loader.wasi.fs;

/**
 * The {@code errno} enum of {@code wasi_snapshot_preview1} (witx {@code typenames.witx}): the
 * declaration order is the wire value, so {@link #code()} is the ordinal. Only the values the
 * file-system host side produces are named in {@link ErrnoMapping}; the rest are listed so the
 * numbering stays correct.
 */
public enum WasiErrno {
    SUCCESS, TOO_BIG, ACCES, ADDRINUSE, ADDRNOTAVAIL, AFNOSUPPORT, AGAIN, ALREADY, BADF, BADMSG,
    BUSY, CANCELED, CHILD, CONNABORTED, CONNREFUSED, CONNRESET, DEADLK, DESTADDRREQ, DOM, DQUOT,
    EXIST, FAULT, FBIG, HOSTUNREACH, IDRM, ILSEQ, INPROGRESS, INTR, INVAL, IO,
    ISCONN, ISDIR, LOOP, MFILE, MLINK, MSGSIZE, MULTIHOP, NAMETOOLONG, NETDOWN, NETRESET,
    NETUNREACH, NFILE, NOBUFS, NODEV, NOENT, NOEXEC, NOLCK, NOLINK, NOMEM, NOMSG,
    NOPROTOOPT, NOSPC, NOSYS, NOTCONN, NOTDIR, NOTEMPTY, NOTRECOVERABLE, NOTSOCK, NOTSUP, NOTTY,
    NXIO, OVERFLOW, OWNERDEAD, PERM, PIPE, PROTO, PROTONOSUPPORT, PROTOTYPE, RANGE, ROFS,
    SPIPE, SRCH, STALE, TIMEDOUT, TXTBSY, XDEV, NOTCAPABLE;

    /** The 16-bit value a WASI function returns for this error. */
    public int code() {
        return ordinal();
    }
}
