package dev.keep.shim.compiler;

import com.dylibso.chicory.wabt.Wast2Json;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.GlobalImport;
import com.dylibso.chicory.wasm.types.MemoryImport;
import com.dylibso.chicory.wasm.types.TableImport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts a .wast file with wabt's Wast2Json and runs its commands against the native compiler.
 * module, assert_return (incl. nan:canonical / nan:arithmetic), assert_trap, assert_exhaustion,
 * action, assert_invalid and binary assert_malformed are executed; everything that needs a feature
 * not implemented yet (or a text-format module, register / imports of other modules) is counted as
 * skipped with the reason, never silently dropped.
 */
final class SpecRunner {
    /**
     * notApplicable counts assert_malformed / assert_invalid commands on text-format modules: they
     * test a .wat parser, which is not part of this compiler.
     */
    record FileResult(String file, int passed, int failed, int skipped, int notApplicable,
            List<String> failures, Map<String, Integer> skipReasons) {
        @Override
        public String toString() {
            return file + ": " + passed + " passed, " + failed + " failed, " + skipped + " skipped"
                    + (notApplicable > 0 ? ", " + notApplicable + " text-format n/a" : "")
                    + (skipReasons.isEmpty() ? "" : " " + skipReasons);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path workDir;
    private final CompilerOptions options;

    SpecRunner(Path workDir) {
        this(workDir, CompilerOptions.defaults());
    }

    /** Every module of a file is compiled with options (and so runs on memory made for them). */
    SpecRunner(Path workDir, CompilerOptions options) {
        this.workDir = workDir;
        this.options = options;
    }

    FileResult run(Path wast) throws IOException {
        String name = wast.getFileName().toString();
        Path dir = workDir.resolve(name.replace(".wast", ""));
        Files.createDirectories(dir);
        Path json = dir.resolve("spec.json");
        Wast2Json.builder().withFile(wast.toFile()).withOutput(json.toFile()).build().process();
        return new FileRun(name, dir, JSON.readTree(json.toFile()), options).execute();
    }

    private static final class FileRun {
        private final String name;
        private final Path dir;
        private final JsonNode root;
        private int passed;
        private int failed;
        private int skipped;
        private int notApplicable;
        private final List<String> failures = new ArrayList<>();
        private final Map<String, Integer> skipReasons = new HashMap<>();
        private final Map<String, NativeInstance> named = new HashMap<>();
        private final Map<String, NativeInstance> registered = new HashMap<>();
        private final SpectestHost spectest;
        private final CompilerOptions options;
        /** One thread, one Wasm stack: every instance of the file shares it (cross-instance calls). */
        private final NativeRuntime runtime = new NativeRuntime();
        /** spectest plus the exports of registered instances. */
        private final ImportResolver resolver = new ImportResolver() {
            private NativeInstance from(String module) {
                return registered.get(module);
            }

            private int export(NativeInstance from, String module, String name, ExternalType kind) {
                int i = from.exported(name, kind);
                if (i < 0) {
                    throw new LinkException("unknown import " + module + "." + name);
                }
                return i;
            }

            @Override
            public MemorySegment memory(MemoryImport m) {
                NativeInstance from = from(m.module());
                if (from == null) {
                    return spectest.memory(m);
                }
                export(from, m.module(), m.name(), ExternalType.MEMORY);
                LinkException.checkLimits("memory", from.memoryBytes() / 65536, from.memoryMaxPages(),
                        m.limits().initialPages(), m.limits().maximumPages());
                return from.memoryRecord();
            }

            @Override
            public MemorySegment table(TableImport t) {
                NativeInstance from = from(t.module());
                if (from == null) {
                    return spectest.table(t);
                }
                int i = export(from, t.module(), t.name(), ExternalType.TABLE);
                TableImport actual = from.tableType(i);
                if (!actual.entryType().equals(t.entryType())) {
                    throw new LinkException("incompatible import type " + t.module() + "." + t.name());
                }
                LinkException.checkLimits("table", Records.tableSize(from.tableRecord(i)), actual.limits().max(),
                        t.limits().min(), t.limits().max());
                return from.tableRecord(i);
            }

            @Override
            public HostFunction function(String module, String name, FunctionType type) {
                NativeInstance from = registered.get(module);
                if (from == null) {
                    return spectest.function(module, name, type);
                }
                int f = export(from, module, name, ExternalType.FUNCTION);
                if (!from.functionType(f).equals(type)) {
                    throw new LinkException("incompatible import type " + module + "." + name);
                }
                return args -> from.call(f, args);
            }

            @Override
            public MemorySegment global(GlobalImport g) {
                NativeInstance from = registered.get(g.module());
                if (from == null) {
                    return spectest.global(g);
                }
                int i = export(from, g.module(), g.name(), ExternalType.GLOBAL);
                GlobalImport actual = from.globalType(i);
                if (!actual.type().equals(g.type()) || actual.mutabilityType() != g.mutabilityType()) {
                    throw new LinkException("incompatible import type " + g.module() + "." + g.name());
                }
                return from.globalCell(i);
            }
        };
        private final List<NativeInstance> all = new ArrayList<>();
        private NativeInstance current;
        private String currentSkipReason;
        /** Set once a module linked to other instances was skipped: later results could depend on it. */
        private String linkingSkipped;

        FileRun(String name, Path dir, JsonNode root, CompilerOptions options) {
            this.name = name;
            this.dir = dir;
            this.root = root;
            this.options = options;
            this.spectest = new SpectestHost(options.usesGuardRegion());
        }

        FileResult execute() {
            try {
                for (JsonNode cmd : root.get("commands")) {
                    try {
                        command(cmd);
                    } catch (UnsupportedFeatureException e) {
                        skip(e.getMessage());
                    } catch (Exception | AssertionError e) {
                        fail(cmd, e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                }
            } finally {
                for (NativeInstance i : all) {
                    i.close();
                }
                spectest.close();
                runtime.close();
            }
            return new FileResult(name, passed, failed, skipped, notApplicable, failures, skipReasons);
        }

        private void skip(String reason) {
            skipped++;
            String key = reason == null ? "?" : reason.length() > 80 ? reason.substring(0, 80) : reason;
            skipReasons.merge(key, 1, Integer::sum);
        }

        private void fail(JsonNode cmd, String why) {
            failed++;
            if (failures.size() < 30) {
                failures.add(name + ":" + cmd.path("line").asInt() + " " + cmd.path("type").asText() + " " + why);
            }
        }

        private byte[] moduleBytes(JsonNode cmd) throws IOException {
            return Files.readAllBytes(dir.resolve(cmd.get("filename").asText()));
        }

        private void command(JsonNode cmd) throws Exception {
            String type = cmd.get("type").asText();
            if (linkingSkipped != null && !type.equals("assert_invalid") && !type.equals("assert_malformed")) {
                throw new UnsupportedFeatureException("after skipped linked module: " + linkingSkipped);
            }
            switch (type) {
                case "module" -> {
                    current = null;
                    currentSkipReason = null;
                    try {
                        NativeInstance inst = new NativeInstance(ModuleCompiler.compile(moduleBytes(cmd), options), resolver,
                                runtime, all);
                        current = inst;
                        if (cmd.has("name")) {
                            named.put(cmd.get("name").asText(), inst);
                        }
                        passed++;
                    } catch (UnsupportedFeatureException e) {
                        currentSkipReason = e.getMessage();
                        if (importsNonSpectest(moduleBytes(cmd))) {
                            linkingSkipped = e.getMessage();
                        }
                        throw e;
                    }
                }
                case "register" -> {
                    NativeInstance inst = cmd.has("name") ? named.get(cmd.get("name").asText()) : current;
                    if (inst == null) {
                        throw new UnsupportedFeatureException("register of a skipped module");
                    }
                    registered.put(cmd.get("as").asText(), inst);
                    passed++;
                }
                case "assert_return" -> assertReturn(cmd);
                case "action" -> {
                    perform(cmd.get("action"));
                    passed++;
                }
                case "assert_trap", "assert_exhaustion" -> assertTrap(cmd);
                case "assert_invalid", "assert_malformed" -> assertRejected(cmd);
                case "assert_uninstantiable" -> assertUninstantiable(cmd);
                case "assert_unlinkable" -> {
                    try {
                        new NativeInstance(ModuleCompiler.compile(moduleBytes(cmd), options), resolver, runtime, all);
                    } catch (LinkException e) {
                        passed++;
                        return;
                    }
                    throw new AssertionError("module linked, expected \"" + cmd.get("text").asText() + "\"");
                }
                default -> skip("command " + type);
            }
        }

        private static boolean importsNonSpectest(byte[] bytes) {
            var imports = com.dylibso.chicory.wasm.Parser.builder().withValidation(false).build()
                    .parse(() -> new java.io.ByteArrayInputStream(bytes)).importSection();
            for (int i = 0; i < imports.importCount(); i++) {
                if (!imports.getImport(i).module().equals("spectest")) {
                    return true;
                }
            }
            return false;
        }

        private NativeInstance target(JsonNode action) {
            NativeInstance inst = action.has("module") ? named.get(action.get("module").asText()) : current;
            if (inst == null) {
                throw new UnsupportedFeatureException(currentSkipReason != null ? "module skipped: " + currentSkipReason
                        : "no instance for " + action);
            }
            return inst;
        }

        private long[] perform(JsonNode action) throws WasmTrap {
            NativeInstance inst = target(action);
            String field = action.get("field").asText();
            if (action.get("type").asText().equals("get")) {
                int g = inst.exportedGlobal(field);
                if (g < 0) {
                    throw new AssertionError("no exported global " + field);
                }
                return new long[] {inst.global(g)};
            }
            int f = inst.exportedFunction(field);
            if (f < 0) {
                throw new AssertionError("no exported function " + field);
            }
            JsonNode args = action.get("args");
            long[] values = new long[args.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = parseValue(args.get(i));
            }
            return inst.call(f, values);
        }

        private static long parseValue(JsonNode v) {
            String type = v.get("type").asText();
            if (type.equals("externref") || type.equals("funcref")) {
                String value = v.path("value").asText();
                if (value.equals("null")) {
                    return 0;
                }
                if (type.equals("funcref")) {
                    throw new UnsupportedFeatureException("funcref argument from the host");
                }
                return Long.parseUnsignedLong(value) + 1;
            }
            if (!(type.equals("i32") || type.equals("i64") || type.equals("f32") || type.equals("f64"))) {
                throw new UnsupportedFeatureException("value type " + type);
            }
            return Long.parseUnsignedLong(v.get("value").asText());
        }

        private void assertReturn(JsonNode cmd) throws WasmTrap {
            long[] results = perform(cmd.get("action"));
            JsonNode expected = cmd.get("expected");
            if (results.length != expected.size()) {
                throw new AssertionError("expected " + expected.size() + " results, got " + results.length);
            }
            for (int i = 0; i < results.length; i++) {
                JsonNode e = expected.get(i);
                String type = e.get("type").asText();
                String value = e.path("value").asText();
                if (!matches(type, value, results[i])) {
                    throw new AssertionError("result " + i + ": expected " + type + " " + value + " got 0x"
                            + Long.toHexString(results[i]) + " args " + cmd.get("action").get("args"));
                }
            }
            passed++;
        }

        static boolean matches(String type, String value, long raw) {
            switch (type) {
                case "i32" -> {
                    return (int) raw == (int) Long.parseUnsignedLong(value);
                }
                case "i64" -> {
                    return raw == Long.parseUnsignedLong(value);
                }
                case "f32" -> {
                    int bits = (int) raw;
                    if (value.equals("nan:canonical")) {
                        return (bits & 0x7FFF_FFFF) == 0x7FC0_0000;
                    }
                    if (value.equals("nan:arithmetic")) {
                        return Float.isNaN(Float.intBitsToFloat(bits)) && (bits & 0x0040_0000) != 0;
                    }
                    return bits == (int) Long.parseUnsignedLong(value);
                }
                case "f64" -> {
                    if (value.equals("nan:canonical")) {
                        return (raw & Long.MAX_VALUE) == 0x7FF8_0000_0000_0000L;
                    }
                    if (value.equals("nan:arithmetic")) {
                        return Double.isNaN(Double.longBitsToDouble(raw)) && (raw & 0x0008_0000_0000_0000L) != 0;
                    }
                    return raw == Long.parseUnsignedLong(value);
                }
                case "externref" -> {
                    return value.equals("null") ? raw == 0 : raw == Long.parseUnsignedLong(value) + 1;
                }
                case "funcref" -> {
                    return value.equals("null") ? raw == 0 : raw != 0;
                }
                default -> throw new UnsupportedFeatureException("result type " + type);
            }
        }

        private void assertTrap(JsonNode cmd) throws Exception {
            String text = cmd.get("text").asText();
            if (!cmd.has("action")) {
                assertUninstantiable(cmd);
                return;
            }
            try {
                long[] r = perform(cmd.get("action"));
                throw new AssertionError("expected trap \"" + text + "\", returned " + r.length + " values");
            } catch (WasmTrap t) {
                if (!text.startsWith(t.getMessage()) && !t.getMessage().startsWith(text)) {
                    throw new AssertionError("expected trap \"" + text + "\", got \"" + t.getMessage() + "\"");
                }
                passed++;
            }
        }

        private void assertUninstantiable(JsonNode cmd) throws IOException {
            try {
                new NativeInstance(ModuleCompiler.compile(moduleBytes(cmd), options), resolver, runtime, all);
                throw new AssertionError("module instantiated, expected \"" + cmd.get("text").asText() + "\"");
            } catch (WasmTrap t) {
                String text = cmd.get("text").asText();
                if (!text.startsWith(t.getMessage()) && !t.getMessage().startsWith(text)) {
                    throw new AssertionError("expected \"" + text + "\", got \"" + t.getMessage() + "\"");
                }
                passed++;
            }
        }

        private void assertRejected(JsonNode cmd) throws IOException {
            if (!"binary".equals(cmd.path("module_type").asText())) {
                notApplicable++;
                return;
            }
            byte[] bytes = moduleBytes(cmd);
            try {
                ModuleCompiler.compile(bytes, options);
            } catch (UnsupportedFeatureException e) {
                throw e;
            } catch (CompileException e) {
                passed++;
                return;
            }
            throw new AssertionError("module compiled, expected rejection \"" + cmd.get("text").asText() + "\"");
        }
    }
}
