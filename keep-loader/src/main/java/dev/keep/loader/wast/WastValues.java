package dev.keep.loader.wast;

import com.dylibso.chicory.wasm.types.Value;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * wast2json's values ({"type": "i32", "value": "4294967295"}, all numbers as unsigned decimal bits)
 * turned into the raw bits a {@code KeepInstance} passes, and results checked against expectations,
 * including the spec's {@code nan:canonical} and {@code nan:arithmetic}.
 */
final class WastValues {
    /** How a reference travels through the invoke API: null is Chicory's -1, a host extern ref its number. */
    static final long NULL_REF = Value.REF_NULL_VALUE;

    private static final int F32_QUIET_BIT = 0x0040_0000;
    private static final long F64_QUIET_BIT = 0x0008_0000_0000_0000L;

    private WastValues() {}

    /** A value this runner cannot pass or check (v128 lanes, GC references). */
    static final class Unsupported extends RuntimeException {
        Unsupported(String message) {
            super(message);
        }
    }

    static long argument(JsonNode value) {
        String type = value.path("type").asText();
        String text = value.path("value").asText();
        return switch (type) {
            case "i32", "f32" -> Long.parseUnsignedLong(text) & 0xFFFF_FFFFL;
            case "i64", "f64" -> Long.parseUnsignedLong(text);
            case "externref", "funcref" -> text.equals("null") ? NULL_REF : Long.parseUnsignedLong(text);
            default -> throw new Unsupported(type + " values are not supported by this runner");
        };
    }

    /** True when {@code raw} is what {@code expected} describes. */
    static boolean matches(JsonNode expected, long raw) {
        String type = expected.path("type").asText();
        String text = expected.path("value").asText();
        return switch (type) {
            case "i32" -> (int) raw == (int) Long.parseUnsignedLong(text);
            case "i64" -> raw == Long.parseUnsignedLong(text);
            case "f32" -> matchesF32(text, (int) raw);
            case "f64" -> matchesF64(text, raw);
            case "externref" -> text.equals("null") ? raw == NULL_REF
                    : !expected.has("value") ? raw != NULL_REF : raw == Long.parseUnsignedLong(text);
            case "funcref" -> text.equals("null") ? raw == NULL_REF : raw != NULL_REF;
            default -> throw new Unsupported(type + " results are not supported by this runner");
        };
    }

    private static boolean matchesF32(String text, int bits) {
        boolean nan = Float.isNaN(Float.intBitsToFloat(bits));
        return switch (text) {
            // Canonical: only the quiet bit set in the payload, either sign.
            case "nan:canonical" -> (bits & 0x7FFF_FFFF) == 0x7FC0_0000;
            // Arithmetic: any NaN with the quiet bit set.
            case "nan:arithmetic" -> nan && (bits & F32_QUIET_BIT) != 0;
            default -> bits == (int) Long.parseUnsignedLong(text);
        };
    }

    private static boolean matchesF64(String text, long bits) {
        boolean nan = Double.isNaN(Double.longBitsToDouble(bits));
        return switch (text) {
            case "nan:canonical" -> (bits & Long.MAX_VALUE) == 0x7FF8_0000_0000_0000L;
            case "nan:arithmetic" -> nan && (bits & F64_QUIET_BIT) != 0;
            default -> bits == Long.parseUnsignedLong(text);
        };
    }

    /** A result for a failure message: type and bits, with the float value when it helps. */
    static String describe(JsonNode expected, long raw) {
        String type = expected.path("type").asText();
        return switch (type) {
            case "i32" -> "i32 " + Integer.toUnsignedString((int) raw);
            case "f32" -> "f32 " + Integer.toUnsignedString((int) raw) + " (" + Float.intBitsToFloat((int) raw) + ")";
            case "f64" -> "f64 " + Long.toUnsignedString(raw) + " (" + Double.longBitsToDouble(raw) + ")";
            default -> type + " " + (raw == NULL_REF && type.endsWith("ref") ? "null" : Long.toUnsignedString(raw));
        };
    }
}
