package dev.keep.loader.invoke.nil;

import dev.keep.loader.invoke.WasmTrap;
import java.util.List;
import java.util.Locale;

/**
 * Turns Chicory's trap messages into the spec's wording. Chicory mostly uses the spec's words, but
 * adds detail ("out of bounds memory access: attempted to access address ...", "uninitialized element
 * 3") or its own phrasing ("Trapped on unreachable instruction").
 */
final class ChicoryTraps {
    /** The spec interpreter's trap messages, longest first so a prefix never wins over the full one. */
    private static final List<String> SPEC_MESSAGES = List.of(
            "invalid conversion to integer",
            "out of bounds memory access",
            "out of bounds table access",
            "indirect call type mismatch",
            "integer divide by zero",
            "uninitialized element",
            "null function reference",
            "call stack exhausted",
            "undefined element",
            "integer overflow",
            "null reference",
            "unreachable");

    private ChicoryTraps() {}

    static WasmTrap trap(Throwable chicory) {
        return new WasmTrap(specMessage(chicory.getMessage()), chicory);
    }

    static WasmTrap stackExhausted(StackOverflowError e) {
        return new WasmTrap("call stack exhausted", e);
    }

    static String specMessage(String chicoryMessage) {
        if (chicoryMessage == null) {
            return "trap";
        }
        String lower = chicoryMessage.toLowerCase(Locale.ROOT);
        for (String spec : SPEC_MESSAGES) {
            if (lower.contains(spec)) {
                return spec;
            }
        }
        return chicoryMessage;
    }
}
