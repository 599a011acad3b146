package dev.keep.shim.link;

import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.shim.abi.WasiCall;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The WASI preview1 functions the in-keep runtime implements, with the signature each must have.
 * Those with a {@link WasiCall} are served by the host through {@code OP_WASI} (fd_write only for
 * fds other than stdout and stderr); the others run inside the keep.
 */
enum WasiFunction {
    ARGS_SIZES_GET("args_sizes_get", 2, 1),
    ARGS_GET("args_get", 2, 1),
    ENVIRON_SIZES_GET("environ_sizes_get", 2, 1),
    ENVIRON_GET("environ_get", 2, 1),
    FD_WRITE(WasiCall.FD_WRITE),
    PROC_EXIT("proc_exit", 1, 0),
    PROC_RAISE("proc_raise", 1, 1),
    SCHED_YIELD("sched_yield", 0, 1),
    RANDOM_GET("random_get", 2, 1),
    FD_PRESTAT_GET(WasiCall.FD_PRESTAT_GET),
    FD_PRESTAT_DIR_NAME(WasiCall.FD_PRESTAT_DIR_NAME),
    PATH_OPEN(WasiCall.PATH_OPEN),
    FD_READ(WasiCall.FD_READ),
    FD_PREAD(WasiCall.FD_PREAD),
    FD_PWRITE(WasiCall.FD_PWRITE),
    FD_CLOSE(WasiCall.FD_CLOSE),
    FD_SEEK(WasiCall.FD_SEEK),
    FD_TELL(WasiCall.FD_TELL),
    FD_FDSTAT_GET(WasiCall.FD_FDSTAT_GET),
    FD_FDSTAT_SET_FLAGS(WasiCall.FD_FDSTAT_SET_FLAGS),
    FD_FILESTAT_GET(WasiCall.FD_FILESTAT_GET),
    PATH_FILESTAT_GET(WasiCall.PATH_FILESTAT_GET),
    PATH_CREATE_DIRECTORY(WasiCall.PATH_CREATE_DIRECTORY),
    PATH_REMOVE_DIRECTORY(WasiCall.PATH_REMOVE_DIRECTORY),
    PATH_UNLINK_FILE(WasiCall.PATH_UNLINK_FILE),
    PATH_RENAME(WasiCall.PATH_RENAME),
    FD_READDIR(WasiCall.FD_READDIR),
    PATH_SYMLINK(WasiCall.PATH_SYMLINK),
    PATH_READLINK(WasiCall.PATH_READLINK),
    FD_SYNC(WasiCall.FD_SYNC),
    FD_DATASYNC(WasiCall.FD_DATASYNC),
    FD_RENUMBER(WasiCall.FD_RENUMBER),
    CLOCK_RES_GET(WasiCall.CLOCK_RES_GET),
    CLOCK_TIME_GET(WasiCall.CLOCK_TIME_GET),
    FD_ADVISE(WasiCall.FD_ADVISE),
    FD_ALLOCATE(WasiCall.FD_ALLOCATE),
    FD_FILESTAT_SET_SIZE(WasiCall.FD_FILESTAT_SET_SIZE),
    FD_FILESTAT_SET_TIMES(WasiCall.FD_FILESTAT_SET_TIMES),
    PATH_FILESTAT_SET_TIMES(WasiCall.PATH_FILESTAT_SET_TIMES),
    PATH_LINK(WasiCall.PATH_LINK),
    POLL_ONEOFF(WasiCall.POLL_ONEOFF),
    FD_FDSTAT_SET_RIGHTS(WasiCall.FD_FDSTAT_SET_RIGHTS),
    SOCK_ACCEPT(WasiCall.SOCK_ACCEPT),
    SOCK_RECV(WasiCall.SOCK_RECV),
    SOCK_SEND(WasiCall.SOCK_SEND),
    SOCK_SHUTDOWN(WasiCall.SOCK_SHUTDOWN);

    static final String MODULE = "wasi_snapshot_preview1";

    final String wasiName;
    final FunctionType type;
    /** The host call behind this function, or null when it runs inside the keep only. */
    final WasiCall forwarded;

    /** A function run inside the keep; every parameter and result is an i32. */
    WasiFunction(String wasiName, int params, int results) {
        this.wasiName = wasiName;
        this.type = FunctionType.of(Collections.nCopies(params, ValType.I32),
                Collections.nCopies(results, ValType.I32));
        this.forwarded = null;
    }

    /** A function the host serves: i64 where the call has a U64 parameter, one i32 errno result. */
    WasiFunction(WasiCall call) {
        List<ValType> params = new ArrayList<>();
        for (WasiCall.Param p : call.params) {
            params.add(p == WasiCall.Param.U64 ? ValType.I64 : ValType.I32);
        }
        this.wasiName = call.wasiName;
        this.type = FunctionType.of(params, List.of(ValType.I32));
        this.forwarded = call;
    }

    /** The function for an import, or null when the runtime has none of that name. */
    static WasiFunction named(String module, String name) {
        if (!MODULE.equals(module)) {
            return null;
        }
        for (WasiFunction f : values()) {
            if (f.wasiName.equals(name)) {
                return f;
            }
        }
        return null;
    }

    static List<String> names() {
        return java.util.Arrays.stream(values()).map(f -> f.wasiName).toList();
    }
}
