package dev.keep.loader.wasi.fs;

/** WASI preview1 {@code filetype}, with its wire value. */
public enum FileType {
    UNKNOWN(0), BLOCK_DEVICE(1), CHARACTER_DEVICE(2), DIRECTORY(3), REGULAR_FILE(4),
    SOCKET_DGRAM(5), SOCKET_STREAM(6), SYMBOLIC_LINK(7);

    private final int code;

    FileType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /**
     * From the S_IFMT bits of st_mode. A socket node does not say whether it is a datagram or a
     * stream socket; it is reported as a stream socket. FIFOs have no WASI type: unknown.
     */
    static FileType fromMode(int mode) {
        return switch (mode & FsConstants.S_IFMT) {
            case FsConstants.S_IFBLK -> BLOCK_DEVICE;
            case FsConstants.S_IFCHR -> CHARACTER_DEVICE;
            case FsConstants.S_IFDIR -> DIRECTORY;
            case FsConstants.S_IFREG -> REGULAR_FILE;
            case FsConstants.S_IFSOCK -> SOCKET_STREAM;
            case FsConstants.S_IFLNK -> SYMBOLIC_LINK;
            default -> UNKNOWN;
        };
    }
}
