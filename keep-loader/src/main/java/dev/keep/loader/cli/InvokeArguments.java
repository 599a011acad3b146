package dev.keep.loader.cli;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.keep.loader.KeepException;
import dev.keep.loader.invoke.WasmValues;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.FunctionTypes;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * {@code keep invoke}'s arguments and results as text, in the invoke API's raw bits (an i32 or f32
 * in the low 32 bits, a null reference -1).
 */
final class InvokeArguments {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    private InvokeArguments() {
    }

    /** The type of {@code app}'s exported function {@code name}; a one-line error when there is none. */
    static FunctionType exportedFunction(AppModule app, String name) {
        WasmModule module = app.module();
        var exports = module.exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (e.name().equals(name) && e.exportType() == ExternalType.FUNCTION) {
                return FunctionTypes.of(module, (int) e.index());
            }
        }
        throw new KeepException(app.programName() + " exports no function named \"" + name + "\"");
    }

    /** The arguments as raw bits; a usage error names the one that does not fit its parameter. */
    static long[] parse(CommandLine commandLine, String function, FunctionType type, List<String> args) {
        List<ValType> params = type.params();
        if (args.size() != params.size()) {
            throw new ParameterException(commandLine, function + " takes " + params.size() + " argument(s) "
                    + params.stream().map(InvokeArguments::name).toList() + ", got " + args.size());
        }
        long[] raw = new long[args.size()];
        for (int i = 0; i < raw.length; i++) {
            try {
                raw[i] = parse(params.get(i), args.get(i).strip());
            } catch (NumberFormatException e) {
                throw new ParameterException(commandLine, "argument " + (i + 1) + " of " + function + " is "
                        + name(params.get(i)) + ", got '" + args.get(i) + "'");
            }
        }
        return raw;
    }

    private static long parse(ValType type, String text) {
        if (type.equals(ValType.I32)) {
            return integer(text, 32);
        }
        if (type.equals(ValType.I64)) {
            return integer(text, 64);
        }
        if (type.equals(ValType.F32)) {
            return WasmValues.f32((float) floating(text));
        }
        if (type.equals(ValType.F64)) {
            return WasmValues.f64(floating(text));
        }
        if (text.equals("null")) {
            return -1;                                  // the invoke API's null reference
        }
        if (type.equals(ValType.ExternRef)) {
            long v = Long.parseLong(text);
            if (v < 0) {
                throw new NumberFormatException(text);
            }
            return v;
        }
        throw new NumberFormatException(text);         // a funcref can only be null from outside
    }

    /** Signed or unsigned, decimal or 0x-hexadecimal, within the width. */
    private static long integer(String text, int bits) {
        boolean negative = text.startsWith("-");
        String digits = negative || text.startsWith("+") ? text.substring(1) : text;
        BigInteger value = digits.toLowerCase(Locale.ROOT).startsWith("0x")
                ? new BigInteger(digits.substring(2), 16) : new BigInteger(digits);
        if (digits.isEmpty() || digits.startsWith("-") || digits.startsWith("+")) {
            throw new NumberFormatException(text);
        }
        if (negative) {
            value = value.negate();
        }
        BigInteger min = BigInteger.ONE.shiftLeft(bits - 1).negate();
        BigInteger max = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new NumberFormatException(text);
        }
        long raw = value.signum() < 0 ? value.add(TWO_64).longValue() : value.longValue();
        return bits == 32 ? raw & 0xFFFF_FFFFL : raw;
    }

    private static double floating(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "nan" -> Double.NaN;
            case "inf", "+inf", "infinity" -> Double.POSITIVE_INFINITY;
            case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
            default -> {
                if (text.isEmpty() || !Character.isDigit(text.charAt(text.length() - 1)) && !text.endsWith(".")) {
                    throw new NumberFormatException(text);   // Java would take "1f" or "2d"
                }
                yield Double.parseDouble(text);
            }
        };
    }

    /** A result as wasmtime prints it: integers signed, floats as Java writes them, references by kind. */
    static String format(ValType type, long raw) {
        if (type.equals(ValType.I32)) {
            return Integer.toString((int) raw);
        }
        if (type.equals(ValType.I64)) {
            return Long.toString(raw);
        }
        if (type.equals(ValType.F32)) {
            return Float.toString(WasmValues.asF32(raw));
        }
        if (type.equals(ValType.F64)) {
            return Double.toString(WasmValues.asF64(raw));
        }
        if (raw == -1) {
            return "null";
        }
        return type.equals(ValType.ExternRef) ? "externref " + raw : "funcref";
    }

    private static String name(ValType type) {
        return type.toString().toLowerCase(Locale.ROOT);
    }
}
