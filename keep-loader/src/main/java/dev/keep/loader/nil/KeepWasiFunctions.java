package dev.keep.loader.nil;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.shim.abi.WasiCall;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * wasi_snapshot_preview1 for the nil backend, the way a keep serves it: the calls the keep
 * forwards to its host ({@link WasiCall}) go to the same {@link WasiCallHandler} the kvm backend
 * uses, marshalled by {@link ForwardedWasiCall}; the ones the keep answers itself (argv, environ,
 * fd_write on fd 1 and 2, proc_exit, proc_raise, sched_yield, random_get) are answered here with
 * the keep's rules. So an app sees the same files, errnos and jail on nil as in a keep.
 *
 * <p>One difference remains: random_get's bytes come from Java's SecureRandom (the keep uses the
 * CPU's RDRAND inside the guest, which the host cannot choose; on nil the host is trusted anyway).
 */
final class KeepWasiFunctions {
    static final String MODULE = "wasi_snapshot_preview1";
    static final long ERRNO_FAULT = 21;

    private static final SecureRandom RANDOM = new SecureRandom();

    private KeepWasiFunctions() {}

    /**
     * Every function, bound to one app's handler (its fd table), argv, environment and the sinks
     * of fd 1 and 2.
     */
    static List<HostFunction> of(WasiCallHandler handler, List<String> argv,
            Map<String, String> env, OutputStream stdout, OutputStream stderr) {
        List<HostFunction> functions = new ArrayList<>();
        MonotonicFloor floor = new MonotonicFloor();
        for (WasiCall call : WasiCall.values()) {
            if (call != WasiCall.FD_WRITE) {
                functions.add(ForwardedWasiCall.of(call, handler, floor));
            }
        }
        functions.add(fdWrite(handler, floor, new StdioWrite(stdout, stderr)));
        WasiStrings args = WasiStrings.of(argv);
        WasiStrings environ = WasiStrings.of(env.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList());
        functions.add(i32("args_sizes_get", 2, (m, a) -> args.sizesGet(m, a[0], a[1])));
        functions.add(i32("args_get", 2, (m, a) -> args.get(m, a[0], a[1])));
        functions.add(i32("environ_sizes_get", 2, (m, a) -> environ.sizesGet(m, a[0], a[1])));
        functions.add(i32("environ_get", 2, (m, a) -> environ.get(m, a[0], a[1])));
        functions.add(i32("sched_yield", 0, (m, a) -> 0));   // one thread, nothing else to run
        functions.add(i32("random_get", 2, (m, a) -> randomGet(m, a[0], a[1])));
        functions.add(i32("proc_raise", 1, (m, a) -> {
            // WASI has no signals: like wasmtime, the keep stops the app with a trap.
            throw new TrapException("host function failed: proc_raise(" + a[0]
                    + "): WASI has no signals");
        }));
        functions.add(new HostFunction(MODULE, "proc_exit",
                FunctionType.of(List.of(ValType.I32), List.of()), (instance, a) -> {
                    // The keep's EXIT hostcall carries the status modulo 256, all a shell sees.
                    throw new WasiExitException((int) (a[0] & 0xFF));
                }));
        return functions;
    }

    /** fd 1 and 2 as the keep writes them itself; any other fd through the handler. */
    private static HostFunction fdWrite(WasiCallHandler handler, MonotonicFloor floor,
            StdioWrite stdio) {
        HostFunction forwarded = ForwardedWasiCall.of(WasiCall.FD_WRITE, handler, floor);
        return new HostFunction(MODULE, WasiCall.FD_WRITE.wasiName,
                ForwardedWasiCall.type(WasiCall.FD_WRITE), (instance, a) -> {
                    long fd = GuestMemory.u32(a[0]);
                    if (!StdioWrite.serves(fd)) {
                        return forwarded.handle().apply(instance, a);
                    }
                    return new long[] {stdio.apply(new GuestMemory(instance.memory()), fd,
                            GuestMemory.u32(a[1]), GuestMemory.u32(a[2]), GuestMemory.u32(a[3]))};
                });
    }

    private static long randomGet(GuestMemory memory, long buffer, long length) {
        if (!memory.contains(buffer, length)) {
            return ERRNO_FAULT;
        }
        byte[] chunk = new byte[(int) Math.min(length, 1 << 16)];
        for (long done = 0; done < length; done += chunk.length) {
            int take = (int) Math.min(chunk.length, length - done);
            RANDOM.nextBytes(chunk);
            memory.write(buffer + done, chunk, 0, take);
        }
        return 0;
    }

    /** A function of u32 arguments (already unsigned) returning an errno. */
    private interface Body {
        long apply(GuestMemory memory, long[] args);
    }

    private static HostFunction i32(String name, int params, Body body) {
        return new HostFunction(MODULE, name,
                FunctionType.of(Collections.nCopies(params, ValType.I32), List.of(ValType.I32)),
                (instance, a) -> {
                    long[] unsigned = new long[a.length];
                    for (int i = 0; i < a.length; i++) {
                        unsigned[i] = GuestMemory.u32(a[i]);
                    }
                    return new long[] {body.apply(new GuestMemory(instance.memory()), unsigned)};
                });
    }
}
