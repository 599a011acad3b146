package dev.keep.loader.hostcall;

import java.util.Optional;

/** Answers a store keep's AWAIT: the next call for the keep to make (docs/hostcall-abi.md, "AWAIT"). */
@FunctionalInterface
public interface StoreCalls {

    /** A call the keep makes: {@code trampoline(context, values, function)}, guest addresses. */
    record Call(long trampoline, long context, long values, long function) {
    }

    /**
     * Called on the keep's vCPU thread when the keep is idle; blocks until the host has a call.
     *
     * @param previousStatus 0, or the trap code of the call the keep just made (0 before the first)
     * @return the next call, or empty to end the keep
     */
    Optional<Call> next(int previousStatus);
}
