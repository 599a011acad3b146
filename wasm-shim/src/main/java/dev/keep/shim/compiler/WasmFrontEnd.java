package dev.keep.shim.compiler;

import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionBody;
import com.dylibso.chicory.wasm.types.Instruction;
import com.dylibso.chicory.wasm.types.OpCode;
import com.dylibso.chicory.wasm.types.ValType;
import java.io.ByteArrayInputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parses and validates a module with Chicory and decodes block types from the raw bytes.
 *
 * <p>Chicory 1.7.5 reads the block type immediate as an unsigned LEB instead of the spec's s33, so a
 * type index of 64 reads as the empty type (0x40) and indices that equal a value-type byte (0x6F,
 * 0x70, 0x7B..0x7F, ...) read as that single result type; its validator then rejects valid modules.
 * The byte length it consumes is the same, so {@link Instruction#address()} still points at the
 * opcode: we re-read the immediate ourselves for every block, loop and if. When a module uses such
 * an index, Chicory's validation cannot succeed, so the module is parsed without it and the
 * compiler's own operand-type checks are what stand between the module and the code generator.
 */
public final class WasmFrontEnd {
    private WasmFrontEnd() {
    }

    /** A parsed module, its raw bytes and the block types decoded from them. */
    public record ParsedModule(WasmModule module, byte[] bytes, Map<Integer, Long> rawBlockTypes,
            boolean validatedByChicory) {
        /** The s33 block type immediate of the block / loop / if whose opcode is at this byte offset. */
        long blockTypeAt(int address) {
            Long value = rawBlockTypes.get(address);
            if (value == null) {
                throw new CompileException("no block type decoded at byte offset " + address);
            }
            return value;
        }
    }

    /**
     * Parses bytes, validating with Chicory unless the block-type bug makes that impossible. Parsing
     * dominates compile time, so the common case parses once, with validation; only a module that
     * Chicory rejects is parsed a second time, without validation, to see whether the bug is why.
     */
    public static ParsedModule parse(byte[] bytes) {
        WasmModule validated;
        try {
            validated = Parser.parse(bytes);
        } catch (InvalidException invalid) {
            Optional<ParsedModule> declared = withRefFuncDeclarations(bytes, invalid);
            return declared.isPresent() ? declared.get() : parseDespiteValidator(bytes, invalid);
        } catch (ChicoryException e) {
            throw new CompileException("malformed module: " + e.getMessage(), e);
        }
        return checked(validated, bytes);
    }

    /**
     * Chicory calls a function's ref.func of itself undeclared when only an active segment
     * declares it: validate again with the spec's declarations spelled out (see
     * {@link RefFuncDeclarations}); empty when that is not the problem or does not help.
     */
    private static Optional<ParsedModule> withRefFuncDeclarations(byte[] bytes, InvalidException invalid) {
        if (!String.valueOf(invalid.getMessage()).contains("undeclared function reference")) {
            return Optional.empty();
        }
        try {
            WasmModule unvalidated = Parser.builder().withValidation(false).build()
                    .parse(() -> new ByteArrayInputStream(bytes));
            Optional<byte[]> patched = RefFuncDeclarations.patch(bytes, unvalidated);
            if (patched.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(checked(Parser.parse(patched.get()), patched.get()));
        } catch (ChicoryException e) {
            return Optional.empty();
        }
    }

    /**
     * As {@link #parse}, for a module the caller already parsed from exactly {@code bytes} with
     * Chicory's validating parser ({@code Parser.parse}): the same result without parsing and
     * validating a second time.
     */
    public static ParsedModule fromValidated(WasmModule validated, byte[] bytes) {
        return checked(validated, bytes);
    }

    /** The common path after Chicory validated: block types re-read, our own module checks. */
    private static ParsedModule checked(WasmModule validated, byte[] bytes) {
        BlockTypeScan scan = BlockTypeScan.of(validated, bytes);
        try {
            ModuleChecks.check(validated);
        } catch (ChicoryException e) {
            throw new CompileException("invalid module: " + e.getMessage(), e);
        }
        // A misdecoded index that happened to validate was validated against the wrong type.
        return new ParsedModule(validated, bytes, scan.blockTypes(), !scan.misdecoded());
    }

    /** Chicory's validator said no: accept the module only if a misdecoded block type explains it. */
    private static ParsedModule parseDespiteValidator(byte[] bytes, InvalidException invalid) {
        WasmModule unvalidated;
        try {
            unvalidated = Parser.builder().withValidation(false).build()
                    .parse(() -> new ByteArrayInputStream(bytes));
        } catch (ChicoryException e) {
            throw new CompileException("malformed module: " + e.getMessage(), e);
        }
        BlockTypeScan scan = BlockTypeScan.of(unvalidated, bytes);
        if (!scan.misdecoded()) {
            throw new CompileException("invalid module: " + invalid.getMessage(), invalid);
        }
        try {
            ModuleChecks.check(unvalidated);
        } catch (ChicoryException e) {
            throw new CompileException("invalid module: " + e.getMessage(), e);
        }
        return new ParsedModule(unvalidated, bytes, scan.blockTypes(), false);
    }

    /** Block types re-read from the raw bytes, and whether any of them is one Chicory misreads. */
    private record BlockTypeScan(Map<Integer, Long> blockTypes, boolean misdecoded) {
        static BlockTypeScan of(WasmModule module, byte[] bytes) {
            Map<Integer, Long> blockTypes = new HashMap<>();
            boolean misdecoded = false;
            for (FunctionBody body : module.codeSection().functionBodies()) {
                for (Instruction ins : body.instructions()) {
                    OpCode op = ins.opcode();
                    if ((op == OpCode.MEMORY_SIZE || op == OpCode.MEMORY_GROW)
                            && (ins.address() + 1 >= bytes.length || bytes[ins.address() + 1] != 0)) {
                        throw new CompileException("malformed module: zero byte expected");
                    }
                    if (op == OpCode.BLOCK || op == OpCode.LOOP || op == OpCode.IF) {
                        long value = readS33(bytes, ins.address() + 1);
                        blockTypes.put(ins.address(), value);
                        if (value == 0x40 || isValTypeByte(value)) {
                            misdecoded = true;
                        }
                    }
                }
            }
            return new BlockTypeScan(blockTypes, misdecoded);
        }
    }

    private static boolean isValTypeByte(long value) {
        return value >= 0x60 && value <= 0x7F;
    }

    /** Reads a signed LEB128 of at most 33 bits at offset. */
    static long readS33(byte[] bytes, int offset) {
        return Leb128.read(bytes, offset, true, 6, "malformed block type")[0];
    }

    static List<ValType> single(long negativeImmediate) {
        int b = (int) (negativeImmediate & 0x7F);
        return switch (b) {
            case 0x40 -> List.of();
            case 0x7F -> List.of(ValType.I32);
            case 0x7E -> List.of(ValType.I64);
            case 0x7D -> List.of(ValType.F32);
            case 0x7C -> List.of(ValType.F64);
            case 0x7B -> List.of(ValType.V128);
            case 0x70 -> List.of(ValType.FuncRef);
            case 0x6F -> List.of(ValType.ExternRef);
            default -> throw new UnsupportedFeatureException("block type 0x" + Integer.toHexString(b));
        };
    }
}
