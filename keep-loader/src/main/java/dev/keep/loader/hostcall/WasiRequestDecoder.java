package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;

import dev.keep.shim.abi.WasiCall;
import dev.keep.shim.abi.WasiCall.Param;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks the body of a WASI request (docs/hostcall-abi.md, "WASI") against the call's parameter
 * shape in {@link WasiCall}: the call id, the reserved word, every argument slot (u32 values fit
 * 32 bits, pointer slots and unused slots are 0, byte counts within the ABI's limits), the exact
 * request length those counts imply, and a reply range with room for the call's outputs. The
 * request bytes are already a private copy.
 */
final class WasiRequestDecoder {
    private WasiRequestDecoder() {
    }

    static MailboxDecision decode(long sequence, byte[] request, int replyOffset,
            int replyCapacity) {
        if (request.length < WASI_OFF_DATA) {
            return MailboxValidator.reject("WASI request is %d bytes, at least %d needed",
                    request.length, WASI_OFF_DATA);
        }
        ByteBuffer b = ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN);
        long id = Integer.toUnsignedLong(b.getInt(WASI_OFF_CALL));
        WasiCall call = WasiCall.ofId(id);
        if (call == null) {
            return MailboxValidator.reject("WASI call id %d is unknown", id);
        }
        int reserved = b.getInt(WASI_OFF_RESERVED);
        if (reserved != 0) {
            return MailboxValidator.reject("WASI reserved word is 0x%x, must be 0", reserved);
        }
        List<Param> params = call.params;
        long[] args = new long[params.size()];
        List<Integer> inputLengths = new ArrayList<>();
        long capacity = 0;
        for (int j = 0; j < WASI_MAX_ARGS; j++) {
            long slot = b.getLong(WASI_OFF_ARGS + 8 * j);
            if (j >= params.size()) {
                if (slot != 0) {
                    return bad(call, j, slot, "unused slots must be 0");
                }
                continue;
            }
            Param p = params.get(j);
            switch (p) {
                case U32 -> {
                    if (slot >>> 32 != 0) {
                        return bad(call, j, slot, "an i32 parameter does not fit 32 bits");
                    }
                }
                case U64 -> {
                }
                case PATH_LEN, GATHER_LEN -> {
                    long max = p == Param.PATH_LEN ? WASI_MAX_PATH : WASI_MAX_TRANSFER;
                    if (slot < 0 || slot > max) {
                        return bad(call, j, slot, "more than " + max + " input bytes");
                    }
                    inputLengths.add((int) slot);
                }
                case SUBSCRIPTIONS_COUNT -> {
                    if (slot < 1 || slot > WASI_MAX_SUBSCRIPTIONS) {
                        return bad(call, j, slot, "subscriptions must number 1.."
                                + WASI_MAX_SUBSCRIPTIONS);
                    }
                    inputLengths.add((int) slot * Param.SUBSCRIPTION_BYTES);
                    capacity = slot * Param.EVENT_BYTES;
                }
                case SCATTER_LEN, BUF_LEN -> {
                    if (slot < 0 || slot > WASI_MAX_TRANSFER) {
                        return bad(call, j, slot, "more than " + WASI_MAX_TRANSFER
                                + " reply bytes");
                    }
                    capacity = slot;
                }
                default -> {
                    if (slot != 0) {
                        return bad(call, j, slot, "pointer slots must be 0");
                    }
                }
            }
            args[j] = slot;
        }
        long expected = WASI_OFF_DATA + inputLengths.stream().mapToLong(Integer::longValue).sum();
        if (request.length != expected) {
            return MailboxValidator.reject("WASI %s request is %d bytes, its lengths say %d",
                    call.wasiName, request.length, expected);
        }
        long needed = call.fixedReplyBytes() + capacity;
        if (replyCapacity < needed) {
            return MailboxValidator.reject("WASI %s reply capacity %d is below the %d it needs",
                    call.wasiName, replyCapacity, needed);
        }
        List<byte[]> inputs = new ArrayList<>();
        int at = WASI_OFF_DATA;
        for (int length : inputLengths) {
            inputs.add(Arrays.copyOfRange(request, at, at + length));
            at += length;
        }
        return new HostcallRequest.Wasi(sequence, call, args, inputs, (int) capacity, replyOffset);
    }

    private static Rejection bad(WasiCall call, int slot, long value, String rule) {
        return MailboxValidator.reject("WASI %s argument slot %d is 0x%x: %s", call.wasiName,
                slot, value, rule);
    }
}
