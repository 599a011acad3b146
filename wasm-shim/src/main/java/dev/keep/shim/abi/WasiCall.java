package dev.keep.shim.abi;

import java.util.List;

/**
 * The WASI preview1 calls the keep forwards to the host with {@link HostcallAbi#OP_WASI}, each
 * with its wire id and the shape of its parameters. Both sides read the shape from here: the
 * in-keep runtime to know which arguments are pointers to check and copy, the host validator to
 * know what every argument slot and input byte of a request must look like. docs/hostcall-abi.md
 * lists the ids; ids never change meaning (a new call gets a new id).
 */
public enum WasiCall {
    FD_PRESTAT_GET(1, "fd_prestat_get", Param.U32, Param.OUT_PRESTAT),
    FD_PRESTAT_DIR_NAME(2, "fd_prestat_dir_name", Param.U32, Param.BUF_PTR, Param.BUF_LEN),
    PATH_OPEN(3, "path_open", Param.U32, Param.U32, Param.PATH_PTR, Param.PATH_LEN, Param.U32,
            Param.U64, Param.U64, Param.U32, Param.OUT_U32),
    FD_READ(4, "fd_read", Param.U32, Param.SCATTER_PTR, Param.SCATTER_LEN, Param.COUNT),
    FD_PREAD(5, "fd_pread", Param.U32, Param.SCATTER_PTR, Param.SCATTER_LEN, Param.U64, Param.COUNT),
    FD_WRITE(6, "fd_write", Param.U32, Param.GATHER_PTR, Param.GATHER_LEN, Param.COUNT),
    FD_PWRITE(7, "fd_pwrite", Param.U32, Param.GATHER_PTR, Param.GATHER_LEN, Param.U64, Param.COUNT),
    FD_CLOSE(8, "fd_close", Param.U32),
    FD_SEEK(9, "fd_seek", Param.U32, Param.U64, Param.U32, Param.OUT_U64),
    FD_TELL(10, "fd_tell", Param.U32, Param.OUT_U64),
    FD_FDSTAT_GET(11, "fd_fdstat_get", Param.U32, Param.OUT_FDSTAT),
    FD_FDSTAT_SET_FLAGS(12, "fd_fdstat_set_flags", Param.U32, Param.U32),
    FD_FILESTAT_GET(13, "fd_filestat_get", Param.U32, Param.OUT_FILESTAT),
    PATH_FILESTAT_GET(14, "path_filestat_get", Param.U32, Param.U32, Param.PATH_PTR, Param.PATH_LEN,
            Param.OUT_FILESTAT),
    PATH_CREATE_DIRECTORY(15, "path_create_directory", Param.U32, Param.PATH_PTR, Param.PATH_LEN),
    PATH_REMOVE_DIRECTORY(16, "path_remove_directory", Param.U32, Param.PATH_PTR, Param.PATH_LEN),
    PATH_UNLINK_FILE(17, "path_unlink_file", Param.U32, Param.PATH_PTR, Param.PATH_LEN),
    PATH_RENAME(18, "path_rename", Param.U32, Param.PATH_PTR, Param.PATH_LEN, Param.U32,
            Param.PATH_PTR, Param.PATH_LEN),
    FD_READDIR(19, "fd_readdir", Param.U32, Param.BUF_PTR, Param.BUF_LEN, Param.U64, Param.COUNT),
    PATH_SYMLINK(20, "path_symlink", Param.PATH_PTR, Param.PATH_LEN, Param.U32, Param.PATH_PTR,
            Param.PATH_LEN),
    PATH_READLINK(21, "path_readlink", Param.U32, Param.PATH_PTR, Param.PATH_LEN, Param.BUF_PTR,
            Param.BUF_LEN, Param.COUNT),
    FD_SYNC(22, "fd_sync", Param.U32),
    FD_DATASYNC(23, "fd_datasync", Param.U32),
    FD_RENUMBER(24, "fd_renumber", Param.U32, Param.U32),
    CLOCK_RES_GET(25, "clock_res_get", Param.U32, Param.OUT_U64),
    CLOCK_TIME_GET(26, "clock_time_get", Param.U32, Param.U64, Param.OUT_U64),
    FD_ADVISE(27, "fd_advise", Param.U32, Param.U64, Param.U64, Param.U32),
    FD_ALLOCATE(28, "fd_allocate", Param.U32, Param.U64, Param.U64),
    FD_FILESTAT_SET_SIZE(29, "fd_filestat_set_size", Param.U32, Param.U64),
    FD_FILESTAT_SET_TIMES(30, "fd_filestat_set_times", Param.U32, Param.U64, Param.U64, Param.U32),
    PATH_FILESTAT_SET_TIMES(31, "path_filestat_set_times", Param.U32, Param.U32, Param.PATH_PTR,
            Param.PATH_LEN, Param.U64, Param.U64, Param.U32),
    PATH_LINK(32, "path_link", Param.U32, Param.U32, Param.PATH_PTR, Param.PATH_LEN, Param.U32,
            Param.PATH_PTR, Param.PATH_LEN),
    POLL_ONEOFF(33, "poll_oneoff", Param.SUBSCRIPTIONS_PTR, Param.EVENTS_PTR,
            Param.SUBSCRIPTIONS_COUNT, Param.EVENT_COUNT),
    FD_FDSTAT_SET_RIGHTS(34, "fd_fdstat_set_rights", Param.U32, Param.U64, Param.U64),
    SOCK_ACCEPT(35, "sock_accept", Param.U32, Param.U32, Param.OUT_U32),
    SOCK_RECV(36, "sock_recv", Param.U32, Param.SCATTER_PTR, Param.SCATTER_LEN, Param.U32,
            Param.COUNT, Param.OUT_U16),
    SOCK_SEND(37, "sock_send", Param.U32, Param.GATHER_PTR, Param.GATHER_LEN, Param.U32,
            Param.COUNT),
    SOCK_SHUTDOWN(38, "sock_shutdown", Param.U32, Param.U32);

    /**
     * What one parameter is. Pointer parameters are never sent: the keep checks them against
     * linear memory and sends 0 in their slot; the length after a pointer carries the byte count
     * the request holds (PATH, GATHER) or may receive (SCATTER, BUF).
     */
    public enum Param {
        /** An i32 value, sent zero-extended. */
        U32(0),
        /** An i64 value, sent as is. */
        U64(0),
        /** Pointer to a path; its bytes follow in the request. */
        PATH_PTR(0),
        /** Path length in bytes, at most {@link HostcallAbi#WASI_MAX_PATH}. */
        PATH_LEN(0),
        /** Pointer to an iovec array whose buffers are sent, at most WASI_MAX_TRANSFER bytes. */
        GATHER_PTR(0),
        /** Number of iovecs; its slot carries the bytes sent. */
        GATHER_LEN(0),
        /** Pointer to an iovec array the reply's variable part is spread over. */
        SCATTER_PTR(0),
        /** Number of iovecs; its slot carries the bytes the keep can take. */
        SCATTER_LEN(0),
        /** Pointer to a buffer the reply's variable part is copied to. */
        BUF_PTR(0),
        /** Buffer length; its slot carries the bytes the keep can take. */
        BUF_LEN(0),
        /** Pointer receiving a u16 from the fixed part of the reply (sock_recv's roflags). */
        OUT_U16(2),
        /** Pointer receiving a u32 from the fixed part of the reply. */
        OUT_U32(4),
        /** Pointer receiving a u64 from the fixed part of the reply. */
        OUT_U64(8),
        /** Pointer receiving a prestat (tag u8, 3 padding bytes, name length u32). */
        OUT_PRESTAT(8),
        /** Pointer receiving an fdstat (24 bytes). */
        OUT_FDSTAT(24),
        /** Pointer receiving a filestat (64 bytes). */
        OUT_FILESTAT(64),
        /** Pointer receiving the header's result as a u32 (bytes read, written or used). */
        COUNT(0),
        /** Pointer to subscriptions ({@link #SUBSCRIPTION_BYTES} each); their bytes are sent. */
        SUBSCRIPTIONS_PTR(0),
        /**
         * Number of subscriptions, 1..{@link HostcallAbi#WASI_MAX_SUBSCRIPTIONS}; the keep can take
         * as many events ({@link #EVENT_BYTES} each) in the reply's variable part.
         */
        SUBSCRIPTIONS_COUNT(0),
        /** Pointer receiving the events of the reply's variable part. */
        EVENTS_PTR(0),
        /** Pointer receiving the number of events (the result / EVENT_BYTES) as a u32. */
        EVENT_COUNT(0);

        /** Bytes of one poll_oneoff subscription. */
        public static final int SUBSCRIPTION_BYTES = 48;
        /** Bytes of one poll_oneoff event. */
        public static final int EVENT_BYTES = 32;

        /** Bytes this parameter takes from the fixed part of the reply. */
        public final int fixedBytes;

        Param(int fixedBytes) {
            this.fixedBytes = fixedBytes;
        }

        /** Whether the parameter is a pointer into linear memory (never sent to the host). */
        public boolean isPointer() {
            return switch (this) {
                case PATH_PTR, GATHER_PTR, SCATTER_PTR, BUF_PTR, OUT_U16, OUT_U32, OUT_U64, OUT_PRESTAT,
                        OUT_FDSTAT, OUT_FILESTAT, COUNT, SUBSCRIPTIONS_PTR, EVENTS_PTR,
                        EVENT_COUNT -> true;
                default -> false;
            };
        }
    }

    public final int id;
    public final String wasiName;
    public final List<Param> params;

    WasiCall(int id, String wasiName, Param... params) {
        this.id = id;
        this.wasiName = wasiName;
        this.params = List.of(params);
    }

    /** Bytes of the reply's fixed part: every OUT_ parameter's, in parameter order. */
    public int fixedReplyBytes() {
        return params.stream().mapToInt(p -> p.fixedBytes).sum();
    }

    /** Whether the reply has a variable part (SCATTER, BUF or events); its length is the result. */
    public boolean hasVariableReply() {
        return params.contains(Param.SCATTER_LEN) || params.contains(Param.BUF_LEN)
                || params.contains(Param.SUBSCRIPTIONS_COUNT);
    }

    /** Whether the request carries iovec data (GATHER); the result is the bytes taken. */
    public boolean gathers() {
        return params.contains(Param.GATHER_LEN);
    }

    /** The call with this wire id, or null. */
    public static WasiCall ofId(long id) {
        for (WasiCall c : values()) {
            if (c.id == id) {
                return c;
            }
        }
        return null;
    }

    /** The call with this WASI name, or null. */
    public static WasiCall named(String name) {
        for (WasiCall c : values()) {
            if (c.wasiName.equals(name)) {
                return c;
            }
        }
        return null;
    }
}
