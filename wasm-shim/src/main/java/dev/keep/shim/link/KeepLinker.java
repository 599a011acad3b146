package dev.keep.shim.link;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ActiveDataSegment;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.keep.shim.abi.GuestHostcalls;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Label;
import dev.keep.shim.compiler.CompileException;
import dev.keep.shim.compiler.CompiledModule;
import dev.keep.shim.compiler.ModuleCompiler;
import dev.keep.shim.compiler.TrapKind;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepImageBuilder;
import dev.keep.shim.image.KeepLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Links a WASI command module with the in-keep runtime into a {@link KeepImage}: compiles the
 * module, instantiates it into the data region (context, records, globals, tables, segments),
 * bakes argv and the environment from the {@link LaunchConfig}, and emits the runtime's entry and
 * the WASI routines in front of the compiled code. The image is a pure function of the module
 * bytes and the config (what SEV-SNP measures). Layout and measurement: docs/keep-image.md,
 * "Linking a Wasm app".
 */
public final class KeepLinker {
    /** The whole user stack region; the top {@link #RUNTIME_STACK_BYTES} are the runtime's. */
    public static final long STACK_BYTES = 8L << 20;
    /** Stack of the runtime's entry, the trampolines' saved registers and the WASI routines. */
    public static final long RUNTIME_STACK_BYTES = 64L << 10;
    /**
     * Room between the Wasm stack limit and the guard: a function checks RSP after reserving its
     * locals, then pushes at most its operand stack, which must land above the guard.
     */
    public static final long STACK_MARGIN = 256L << 10;
    static final long PAGE = 65536;

    private KeepLinker() {
    }

    /**
     * @throws LinkException (one line) when the module does not compile, imports anything but the
     *     WASI functions the runtime provides and the keep's own (module {@code keep}, see
     *     {@code AttestationCall}), or one with the wrong signature, has no
     *     {@code _start: [] -> []} export, or cannot be instantiated
     */
    public static KeepImage link(byte[] wasm, LaunchConfig config) {
        return link(wasm, config, ModuleCompiler::compile);
    }

    /** Where a link gets the module's machine code: {@link ModuleCompiler}, or a cache of its output. */
    @FunctionalInterface
    public interface CodeSupplier {
        /** @throws CompileException when the module does not compile */
        CompiledModule compile(byte[] wasm);
    }

    /** As {@link #link(byte[], LaunchConfig)}, with the code from {@code code}. */
    public static KeepImage link(byte[] wasm, LaunchConfig config, CodeSupplier code) {
        return link(wasm, config, OptionalInt.empty(), code);
    }

    /**
     * The SEV-SNP keep image of the same app ({@link KeepImageBuilder#snp}): what an SNP launch
     * launches and {@code keep measure} measures, for the host's C-bit position.
     *
     * @throws LinkException (one line) as {@link #link(byte[], LaunchConfig)}, and when the C-bit
     *     position is one the image builder refuses
     */
    public static KeepImage linkSnp(byte[] wasm, LaunchConfig config, int cBitPosition) {
        return linkSnp(wasm, config, cBitPosition, ModuleCompiler::compile);
    }

    /** As {@link #linkSnp(byte[], LaunchConfig, int)}, with the code from {@code code}. */
    public static KeepImage linkSnp(byte[] wasm, LaunchConfig config, int cBitPosition, CodeSupplier code) {
        return link(wasm, config, OptionalInt.of(cBitPosition), code);
    }

    private static KeepImage link(byte[] wasm, LaunchConfig config, OptionalInt snpCBit, CodeSupplier codeSupplier) {
        CompiledModule compiled;
        try {
            compiled = codeSupplier.compile(wasm);
        } catch (CompileException e) {
            throw new LinkException("cannot compile the module: " + e.getMessage(), e);
        }
        WasmModule module = compiled.module();
        List<Enum<?>> imports = resolveImports(module);
        int start = startExport(compiled);

        InstanceData.MemoryPlan memory = memoryPlan(module, config);
        long stackBottom = KeepLayout.USER_STACK_TOP - STACK_BYTES;
        InstanceData.StackPlan stack = new InstanceData.StackPlan(
                KeepLayout.USER_STACK_TOP - RUNTIME_STACK_BYTES, stackBottom + STACK_MARGIN);

        DataRegion data = new DataRegion(KeepLayout.USER_DATA_ADDRESS);
        InstanceData instance = new InstanceData(compiled, data, memory, stack);
        InitialMemory initial = initialMemory(module, instance, memory);
        BakedStrings.Placed argv = BakedStrings.of(config.argv()).place(data);
        BakedStrings.Placed environ = BakedStrings.of(config.environ()).place(data);
        int trapCodes = trapCodeCount();
        long trapMessages = placeTrapMessages(data, config.appName(), trapCodes);

        List<int[]> calls = new ArrayList<>();
        if (module.startSection().isPresent()) {
            int f = (int) module.startSection().get().startIndex();
            calls.add(new int[] {compiled.functionOffset(f), compiled.entryOffset(f)});
        }
        calls.add(new int[] {compiled.functionOffset(start), compiled.entryOffset(start)});

        // Code: hostcall routines, WASI routines, the entry, then the compiled module.
        Assembler a = new Assembler(KeepLayout.USER_CODE_ADDRESS);
        Label moduleCode = a.newLabel();
        Label entry = a.newLabel();
        GuestHostcalls.Routines hostcalls = GuestHostcalls.emit(a);
        long monotonicFloor = data.reserve(8, 8);
        StdioBuffer stdio = StdioBuffer.emit(a, data, hostcalls);
        Map<Enum<?>, Label> thunks = new HashMap<>(
                WasiThunks.emit(a, hostcalls, stdio, argv, environ, monotonicFloor));
        // The keep's own functions only when imported, so other apps' images stay as they were.
        if (imports.contains(KeepFunction.ATTESTATION_REPORT)) {
            thunks.put(KeepFunction.ATTESTATION_REPORT,
                    AttestationRoutine.emit(a, snpCBit.isPresent()));
        }
        a.align(16);
        a.bind(entry);
        RuntimeEntry.emit(a, hostcalls, stdio, moduleCode, instance.context, instance.values,
                calls.toArray(int[][]::new), trapMessages, trapCodes);
        a.align(64);
        a.bind(moduleCode);
        a.db(compiled.code());
        byte[] code = a.finish();

        long[] importTargets = new long[imports.size()];
        for (int i = 0; i < importTargets.length; i++) {
            importTargets[i] = KeepLayout.USER_CODE_ADDRESS + a.offsetOf(thunks.get(imports.get(i)));
        }
        instance.fillCode(KeepLayout.USER_CODE_ADDRESS + a.offsetOf(moduleCode), importTargets);

        KeepImageBuilder builder = KeepImage.builder()
                .code(code, a.offsetOf(entry))
                .data(data.bytes(), data.size())
                .stackSize(STACK_BYTES)
                .linearMemory(memory.committedBytes());
        initial.runs().forEach(builder::linearMemoryData);
        snpCBit.ifPresent(builder::snp);
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new LinkException("the app does not fit a keep: " + e.getMessage(), e);
        }
    }

    /**
     * Every import must be one of the WASI functions the runtime implements or one of the keep's
     * own ({@link KeepFunction}, module {@code keep}), with its signature.
     */
    private static List<Enum<?>> resolveImports(WasmModule module) {
        List<Enum<?>> functions = new ArrayList<>();
        for (int i = 0; i < module.importSection().importCount(); i++) {
            Import imp = module.importSection().getImport(i);
            String name = imp.module() + "." + imp.name();
            if (!(imp instanceof FunctionImport fi)) {
                throw new LinkException("import " + name + " (" + kind(imp.importType())
                        + ") is not provided by the keep runtime, which provides only the functions "
                        + String.join(", ", WasiFunction.names()));
            }
            FunctionType type = module.typeSection().getType(fi.typeIndex());
            if (KeepFunction.MODULE.equals(imp.module())) {
                KeepFunction k = KeepFunction.named(imp.name());
                if (!type.params().equals(k.type.params()) || !type.returns().equals(k.type.returns())) {
                    throw new LinkException("import " + name + " has type " + signature(type)
                            + " but the keep's has " + signature(k.type));
                }
                functions.add(k);
                continue;
            }
            WasiFunction f = WasiFunction.named(imp.module(), imp.name());
            if (f == null) {
                throw new LinkException("import " + name + " is not provided by the keep runtime,"
                        + " which provides " + WasiFunction.MODULE + " functions "
                        + String.join(", ", WasiFunction.names()));
            }
            if (!type.params().equals(f.type.params()) || !type.returns().equals(f.type.returns())) {
                throw new LinkException("import " + name + " has type " + signature(type)
                        + " but the keep runtime's has " + signature(f.type));
            }
            functions.add(f);
        }
        return functions;
    }

    private static String kind(ExternalType type) {
        return type.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String signature(FunctionType type) {
        return type.params() + " -> " + type.returns();
    }

    /** Function index of the {@code _start} export, which must take and return nothing. */
    private static int startExport(CompiledModule compiled) {
        var exports = compiled.module().exportSection();
        for (int i = 0; i < exports.exportCount(); i++) {
            Export e = exports.getExport(i);
            if (e.name().equals("_start") && e.exportType() == ExternalType.FUNCTION) {
                FunctionType type = compiled.functionType(e.index());
                if (!type.params().isEmpty() || !type.returns().isEmpty()) {
                    throw new LinkException("_start has type " + signature(type) + ", expected [] -> []");
                }
                return e.index();
            }
        }
        throw new LinkException("the module exports no _start function (not a WASI command)");
    }

    private static InstanceData.MemoryPlan memoryPlan(WasmModule module, LaunchConfig config) {
        if (module.memorySection().isEmpty() || module.memorySection().get().memoryCount() == 0) {
            return new InstanceData.MemoryPlan(KeepLayout.LINEAR_MEMORY_ADDRESS, 0, 0, 0);
        }
        MemoryLimits limits = module.memorySection().get().getMemory(0).limits();
        long initialPages = limits.initialPages();
        long committed = Math.max(initialPages, Math.min(limits.maximumPages(), config.memoryPages()));
        return new InstanceData.MemoryPlan(KeepLayout.LINEAR_MEMORY_ADDRESS, initialPages * PAGE,
                committed, committed * PAGE);
    }

    /** Active data segments, bounds-checked against the initial memory size as instantiation does. */
    private static InitialMemory initialMemory(WasmModule module, InstanceData instance,
            InstanceData.MemoryPlan memory) {
        InitialMemory initial = new InitialMemory();
        var segments = module.dataSection().dataSegments();
        for (int i = 0; i < segments.length; i++) {
            if (segments[i] instanceof ActiveDataSegment active) {
                long offset = instance.dataSegmentOffset(active, i);
                if (offset + active.data().length > memory.initialBytes()) {
                    throw new LinkException("data segment " + i + " is outside linear memory"
                            + " (out of bounds memory access at instantiation)");
                }
                initial.apply(offset, active.data());
            }
        }
        return initial;
    }

    private static int trapCodeCount() {
        int max = 0;
        for (TrapKind k : TrapKind.values()) {
            max = Math.max(max, k.code());
        }
        return max + 1;
    }

    /**
     * The line `keep run` prints for a trap, one per trap code ({address, length} pairs), so the
     * keep's stderr matches the other backends'. Entry 0 covers a code outside the table.
     */
    private static long placeTrapMessages(DataRegion data, String appName, int codes) {
        long table = data.reserve(16L * codes, 16);
        for (int code = 0; code < codes; code++) {
            TrapKind kind = TrapKind.ofCode(code);
            String line = "keep: " + appName + " trapped: "
                    + (kind == null ? "unknown trap" : kind.message()) + "\n";
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            long address = data.put(bytes, 1);
            data.putLong(table + 16L * code, address);
            data.putLong(table + 16L * code + 8, bytes.length);
        }
        return table;
    }
}
