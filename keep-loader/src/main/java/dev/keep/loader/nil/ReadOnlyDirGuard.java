package dev.keep.loader.nil;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.WasmFunctionHandle;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes Keep.toml's {@code readonly = true} directories read-only for the nil backend, which Chicory's
 * WASI cannot do by itself. It wraps the WASI functions that write: every write through a read-only
 * preopened directory, or through a file opened beneath one, answers {@code EROFS} without reaching
 * Chicory. Descriptors opened beneath a read-only directory inherit the mark; closing or renumbering
 * them moves it along.
 */
final class ReadOnlyDirGuard {
    /** WASI errno {@code rofs}: read-only file system. */
    static final long ERRNO_ROFS = 69;
    private static final long ERRNO_SUCCESS = 0;
    /** path_open oflags that change the file system: creat and trunc. */
    private static final long OFLAGS_THAT_WRITE = 0x1 | 0x8;

    /** Which arguments of each path-changing function are directory fds that must not be read-only. */
    private static final Map<String, int[]> DIR_FD_ARGS = Map.of(
            "path_create_directory", new int[] {0},
            "path_remove_directory", new int[] {0},
            "path_unlink_file", new int[] {0},
            "path_filestat_set_times", new int[] {0},
            "path_symlink", new int[] {2},
            "path_link", new int[] {0, 4},
            "path_rename", new int[] {0, 3});
    /** Functions whose first argument is a file fd they write through. */
    private static final Set<String> FD_WRITES = Set.of(
            "fd_write", "fd_pwrite", "fd_allocate", "fd_filestat_set_size", "fd_filestat_set_times");

    private final Set<Integer> readOnlyFds;

    private ReadOnlyDirGuard(List<Integer> readOnlyPreopens) {
        this.readOnlyFds = new HashSet<>(readOnlyPreopens);
    }

    /** Returns {@code functions} with the writing ones guarded; unchanged when nothing is read-only. */
    static HostFunction[] wrap(HostFunction[] functions, List<Integer> readOnlyPreopens) {
        if (readOnlyPreopens.isEmpty()) {
            return functions;
        }
        ReadOnlyDirGuard guard = new ReadOnlyDirGuard(readOnlyPreopens);
        HostFunction[] wrapped = new HostFunction[functions.length];
        for (int i = 0; i < functions.length; i++) {
            wrapped[i] = guard.guard(functions[i]);
        }
        return wrapped;
    }

    private HostFunction guard(HostFunction f) {
        WasmFunctionHandle inner = f.handle();
        String name = f.name();
        WasmFunctionHandle guarded;
        if (name.equals("path_open")) {
            guarded = (instance, args) -> pathOpen(inner, instance, args);
        } else if (DIR_FD_ARGS.containsKey(name)) {
            int[] fdArgs = DIR_FD_ARGS.get(name);
            guarded = (instance, args) -> anyReadOnly(args, fdArgs) ? rofs() : inner.apply(instance, args);
        } else if (FD_WRITES.contains(name)) {
            guarded = (instance, args) -> readOnlyFds.contains((int) args[0]) ? rofs() : inner.apply(instance, args);
        } else if (name.equals("fd_close")) {
            guarded = (instance, args) -> afterSuccess(inner.apply(instance, args), () -> readOnlyFds.remove((int) args[0]));
        } else if (name.equals("fd_renumber")) {
            guarded = (instance, args) -> {
                boolean fromReadOnly = readOnlyFds.contains((int) args[0]);
                return afterSuccess(inner.apply(instance, args), () -> {
                    readOnlyFds.remove((int) args[0]);
                    if (fromReadOnly) {
                        readOnlyFds.add((int) args[1]);
                    } else {
                        readOnlyFds.remove((int) args[1]);
                    }
                });
            };
        } else {
            return f;
        }
        return new HostFunction(f.module(), name, f.functionType(), guarded);
    }

    /** path_open(fd, dirflags, path, path_len, oflags, rights_base, rights_inheriting, fdflags, opened_fd_ptr). */
    private long[] pathOpen(WasmFunctionHandle inner, Instance instance, long[] args) {
        boolean beneathReadOnly = readOnlyFds.contains((int) args[0]);
        if (beneathReadOnly && (args[4] & OFLAGS_THAT_WRITE) != 0) {
            return rofs();
        }
        long[] result = inner.apply(instance, args);
        if (beneathReadOnly && result[0] == ERRNO_SUCCESS) {
            readOnlyFds.add(instance.memory().readInt((int) args[8]));
        }
        return result;
    }

    private boolean anyReadOnly(long[] args, int[] fdArgs) {
        for (int index : fdArgs) {
            if (readOnlyFds.contains((int) args[index])) {
                return true;
            }
        }
        return false;
    }

    private static long[] afterSuccess(long[] result, Runnable action) {
        if (result != null && result.length > 0 && result[0] == ERRNO_SUCCESS) {
            action.run();
        }
        return result;
    }

    private static long[] rofs() {
        return new long[] {ERRNO_ROFS};
    }
}
