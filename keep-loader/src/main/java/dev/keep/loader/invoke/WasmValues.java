package dev.keep.loader.invoke;

/** Conversions between Java numbers and the raw bits that {@link KeepInstance} passes. */
public final class WasmValues {
    private WasmValues() {}

    public static long i32(int value) {
        return value;
    }

    public static long i64(long value) {
        return value;
    }

    /** An f32 travels as its IEEE bits in the low 32 bits; the exact NaN payload is kept. */
    public static long f32(float value) {
        return Float.floatToRawIntBits(value) & 0xFFFF_FFFFL;
    }

    public static long f64(double value) {
        return Double.doubleToRawLongBits(value);
    }

    public static float asF32(long raw) {
        return Float.intBitsToFloat((int) raw);
    }

    public static double asF64(long raw) {
        return Double.longBitsToDouble(raw);
    }
}
