package dev.keep.loader.nil;

import static dev.keep.shim.abi.HostcallAbi.WASI_MAX_PATH;
import static dev.keep.shim.abi.HostcallAbi.WASI_MAX_SUBSCRIPTIONS;
import static dev.keep.shim.abi.HostcallAbi.WASI_MAX_TRANSFER;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.loader.wasi.fs.WasiErrno;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.loader.wasi.host.WasiReply;
import dev.keep.shim.abi.WasiCall;
import dev.keep.shim.abi.WasiCall.Param;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One WASI call the keep forwards to its host, served on nil by the same {@link WasiCallHandler}
 * and marshalled as the keep's runtime marshals it (wasm-shim's WasiForwarder), driven by the
 * call's parameter shape in {@link WasiCall}:
 *
 * <ol>
 *   <li>every pointer and length is checked against linear memory in parameter order, iovec
 *       arrays and each iovec included: the first failure answers {@code fault} (a path longer
 *       than WASI_MAX_PATH {@code nametoolong}, a subscription count of 0 or above
 *       WASI_MAX_SUBSCRIPTIONS {@code inval}) and nothing reaches the handler;
 *   <li>the request is built: scalar slots, path bytes, the gathered iovec bytes (at most
 *       WASI_MAX_TRANSFER, so a long write is short), the bytes the app can take back (at most
 *       WASI_MAX_TRANSFER), the subscriptions;
 *   <li>the reply is checked as the keep checks it (a WASI errno; on success exactly the fixed
 *       outputs and no more variable bytes than asked for) and only then copied to the app's
 *       pointers. A reply that breaks this is a bug of the handler: the keep stops with a fault,
 *       nil with a trap.
 * </ol>
 */
final class ForwardedWasiCall {
    /** The largest errno a reply may carry (notcapable). */
    private static final int ERRNO_MAX = WasiErrno.NOTCAPABLE.code();
    private static final int CLOCK_MONOTONIC = 1;

    private final WasiCall call;
    private final WasiCallHandler handler;
    private final MonotonicFloor floor;

    private ForwardedWasiCall(WasiCall call, WasiCallHandler handler, MonotonicFloor floor) {
        this.call = call;
        this.handler = handler;
        this.floor = floor;
    }

    /** The call as a wasi_snapshot_preview1 import: i64 for U64 parameters, i32 otherwise. */
    static HostFunction of(WasiCall call, WasiCallHandler handler, MonotonicFloor floor) {
        ForwardedWasiCall forwarded = new ForwardedWasiCall(call, handler, floor);
        return new HostFunction(KeepWasiFunctions.MODULE, call.wasiName, type(call),
                (instance, args) -> new long[] {forwarded.apply(instance, args)});
    }

    static FunctionType type(WasiCall call) {
        List<ValType> params = new ArrayList<>();
        for (Param p : call.params) {
            params.add(p == Param.U64 ? ValType.I64 : ValType.I32);
        }
        return FunctionType.of(params, List.of(ValType.I32));
    }

    /** The errno the app gets. */
    long apply(Instance instance, long[] args) {
        GuestMemory memory = new GuestMemory(instance.memory());
        int refused = check(memory, args);
        if (refused != 0) {
            return refused;
        }
        Request request = build(memory, args);
        WasiReply reply = handler.perform(call, request.slots, request.inputs, request.capacity);
        if (reply.errno() != 0) {
            if (reply.errno() < 0 || reply.errno() > ERRNO_MAX) {
                throw broken("errno " + reply.errno());
            }
            return reply.errno();
        }
        if (reply.fixed().length != call.fixedReplyBytes()
                || reply.variable().length > request.capacity) {
            // The keep's dispatcher answers EIO rather than write a reply that does not fit.
            return WasiErrno.IO.code();
        }
        checkResult(reply, request);
        copyOut(memory, args, reply);
        if (call == WasiCall.CLOCK_TIME_GET && GuestMemory.u32(args[0]) == CLOCK_MONOTONIC) {
            long at = GuestMemory.u32(args[2]);
            memory.writeU64(at, floor.raise(memory.readU64(at)));
        }
        return 0;
    }

    /** Pass 1: 0, or the errno of the first bad pointer, length or count. */
    private int check(GuestMemory memory, long[] args) {
        List<Param> params = call.params;
        for (int j = 0; j < params.size(); j++) {
            Param p = params.get(j);
            long pointer = GuestMemory.u32(args[j]);
            switch (p) {
                case PATH_PTR, BUF_PTR -> {
                    long length = GuestMemory.u32(args[j + 1]);
                    if (p == Param.PATH_PTR && length > WASI_MAX_PATH) {
                        return WasiErrno.NAMETOOLONG.code();
                    }
                    if (!memory.contains(pointer, length)) {
                        return WasiErrno.FAULT.code();
                    }
                }
                case OUT_U16, OUT_U32, OUT_U64, OUT_PRESTAT, OUT_FDSTAT, OUT_FILESTAT, COUNT,
                        EVENT_COUNT -> {
                    int bytes = p == Param.COUNT || p == Param.EVENT_COUNT ? 4 : p.fixedBytes;
                    if (!memory.contains(pointer, bytes)) {
                        return WasiErrno.FAULT.code();
                    }
                }
                case GATHER_PTR, SCATTER_PTR -> {
                    if (!memory.containsIovecs(pointer, GuestMemory.u32(args[j + 1]))) {
                        return WasiErrno.FAULT.code();
                    }
                }
                case SUBSCRIPTIONS_COUNT, SUBSCRIPTIONS_PTR, EVENTS_PTR -> {
                    long count = subscriptions(args);
                    if (count == 0 || count > WASI_MAX_SUBSCRIPTIONS) {
                        return WasiErrno.INVAL.code();
                    }
                    if (p != Param.SUBSCRIPTIONS_COUNT && !memory.contains(pointer, count
                            * (p == Param.SUBSCRIPTIONS_PTR ? Param.SUBSCRIPTION_BYTES
                                    : Param.EVENT_BYTES))) {
                        return WasiErrno.FAULT.code();
                    }
                }
                default -> {
                }
            }
        }
        return 0;
    }

    private long subscriptions(long[] args) {
        return GuestMemory.u32(args[call.params.indexOf(Param.SUBSCRIPTIONS_COUNT)]);
    }

    /** What the handler receives: slots (0 for pointers), input byte runs, reply capacity. */
    private record Request(long[] slots, List<byte[]> inputs, int capacity, long gathered) {
    }

    /** Pass 2, on arguments pass 1 accepted. */
    private Request build(GuestMemory memory, long[] args) {
        List<Param> params = call.params;
        long[] slots = new long[params.size()];
        List<byte[]> inputs = new ArrayList<>();
        int capacity = 0;
        long gathered = 0;
        for (int j = 0; j < params.size(); j++) {
            switch (params.get(j)) {
                case U32, PATH_LEN -> slots[j] = GuestMemory.u32(args[j]);
                case U64 -> slots[j] = args[j];
                case PATH_PTR -> inputs.add(memory.read(GuestMemory.u32(args[j]),
                        GuestMemory.u32(args[j + 1])));
                case BUF_LEN -> {
                    capacity = (int) Math.min(GuestMemory.u32(args[j]), WASI_MAX_TRANSFER);
                    slots[j] = capacity;
                }
                case SCATTER_LEN -> {
                    long total = 0;
                    long iovecs = GuestMemory.u32(args[j - 1]);
                    for (long i = 0; i < GuestMemory.u32(args[j]); i++) {
                        total += memory.readU32(iovecs + 8 * i + 4);
                    }
                    capacity = (int) Math.min(total, WASI_MAX_TRANSFER);
                    slots[j] = capacity;
                }
                case GATHER_LEN -> {
                    byte[] bytes = gather(memory, GuestMemory.u32(args[j - 1]),
                            GuestMemory.u32(args[j]));
                    inputs.add(bytes);
                    gathered = bytes.length;
                    slots[j] = gathered;
                }
                case SUBSCRIPTIONS_PTR -> inputs.add(memory.read(GuestMemory.u32(args[j]),
                        subscriptions(args) * Param.SUBSCRIPTION_BYTES));
                case SUBSCRIPTIONS_COUNT -> {
                    slots[j] = subscriptions(args);
                    capacity = (int) slots[j] * Param.EVENT_BYTES;
                }
                default -> {
                }
            }
        }
        return new Request(slots, inputs, capacity, gathered);
    }

    /** The iovecs' bytes in order, at most WASI_MAX_TRANSFER. */
    private static byte[] gather(GuestMemory memory, long iovecs, long count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long i = 0; i < count && out.size() < WASI_MAX_TRANSFER; i++) {
            long buffer = memory.readU32(iovecs + 8 * i);
            long length = Math.min(memory.readU32(iovecs + 8 * i + 4),
                    WASI_MAX_TRANSFER - out.size());
            out.writeBytes(memory.read(buffer, length));
        }
        return out.toByteArray();
    }

    /** The result the keep accepts: the variable bytes, at most the gathered ones, or 0. */
    private void checkResult(WasiReply reply, Request request) {
        long result = reply.result();
        boolean fine;
        if (call.hasVariableReply()) {
            fine = result == reply.variable().length && result <= request.capacity
                    && (!call.params.contains(Param.EVENTS_PTR) || result % Param.EVENT_BYTES == 0);
        } else if (call.gathers()) {
            fine = result >= 0 && result <= request.gathered;
        } else {
            fine = result == 0;
        }
        if (!fine) {
            throw broken("result " + result);
        }
    }

    /** Fixed outputs in parameter order, then the variable part, then the counts. */
    private void copyOut(GuestMemory memory, long[] args, WasiReply reply) {
        List<Param> params = call.params;
        int at = 0;
        for (int j = 0; j < params.size(); j++) {
            int bytes = params.get(j).fixedBytes;
            if (bytes > 0) {
                memory.write(GuestMemory.u32(args[j]), reply.fixed(), at, bytes);
                at += bytes;
            }
        }
        byte[] variable = reply.variable();
        for (int j = 0; j < params.size(); j++) {
            switch (params.get(j)) {
                case BUF_PTR, EVENTS_PTR -> memory.write(GuestMemory.u32(args[j]), variable, 0,
                        variable.length);
                case SCATTER_PTR -> scatter(memory, GuestMemory.u32(args[j]),
                        GuestMemory.u32(args[j + 1]), variable);
                default -> {
                }
            }
        }
        for (int j = 0; j < params.size(); j++) {
            if (params.get(j) == Param.COUNT) {
                memory.writeU32(GuestMemory.u32(args[j]), reply.result());
            } else if (params.get(j) == Param.EVENT_COUNT) {
                memory.writeU32(GuestMemory.u32(args[j]), reply.result() / Param.EVENT_BYTES);
            }
        }
    }

    /** Spreads the bytes over the iovecs in order. */
    private static void scatter(GuestMemory memory, long iovecs, long count, byte[] bytes) {
        int placed = 0;
        for (long i = 0; i < count && placed < bytes.length; i++) {
            long buffer = memory.readU32(iovecs + 8 * i);
            int take = (int) Math.min(memory.readU32(iovecs + 8 * i + 4), bytes.length - placed);
            memory.write(buffer, bytes, placed, take);
            placed += take;
        }
    }

    private WasmRuntimeException broken(String what) {
        return new WasmRuntimeException("the WASI host broke the call contract: " + call.wasiName
                + " answered " + what);
    }
}
