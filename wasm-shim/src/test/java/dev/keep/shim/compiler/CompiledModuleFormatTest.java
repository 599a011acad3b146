package dev.keep.shim.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Compiled code as an on-disk cache stores it, and the refusals that make a bad entry harmless. */
class CompiledModuleFormatTest {
    private static Path root() {
        return Path.of(System.getProperty("keep.projectRoot"));
    }

    /** A sample, a C program and a 2 MB Rust program from the WASI test suite. */
    private static List<byte[]> modules() throws IOException {
        Path rust = root().resolve("../shared/testdata/wasi-testsuite/tests/rust/testsuite/wasm32-wasip1/path_symlink_trailing_slashes.wasm");
        return List.of(Wat2Wasm.parse(root().resolve("samples/fib/fib.wat").toFile()),
                Files.readAllBytes(root().resolve("samples/echo-tcp/echo-tcp.wasm")),
                Files.readAllBytes(rust));
    }

    @Test
    void whatIsReadBackIsWhatWasCompiled() throws IOException {
        for (byte[] wasm : modules()) {
            CompiledModule fresh = ModuleCompiler.compile(wasm);
            CompiledModule read = CompiledModuleFormat.read(wasm, CompiledModuleFormat.write(wasm, fresh), CompilerOptions.defaults());
            assertArrayEquals(fresh.code(), read.code());
            assertEquals(fresh.functionCount(), read.functionCount());
            for (int f = 0; f < fresh.functionCount(); f++) {
                assertEquals(fresh.functionOffset(f), read.functionOffset(f));
                assertEquals(fresh.entryOffset(f), read.entryOffset(f));
                assertEquals(fresh.functionType(f), read.functionType(f));
            }
            assertEquals(fresh.importedFunctionCount(), read.importedFunctionCount());
            assertEquals(fresh.tableCount(), read.tableCount());
            assertEquals(fresh.globalTypes(), read.globalTypes());
            assertEquals(fresh.importedGlobalCount(), read.importedGlobalCount());
            assertEquals(fresh.contextSize(), read.contextSize());
            assertEquals(fresh.hasMemory(), read.hasMemory());
            assertEquals(fresh.options(), read.options());
        }
    }

    @Test
    void compilingFromTheCallersValidatedParseGivesTheSameCode() throws IOException {
        for (byte[] wasm : modules()) {
            CompiledModule fresh = ModuleCompiler.compile(wasm);
            CompiledModule reused = ModuleCompiler.compile(wasm, com.dylibso.chicory.wasm.Parser.parse(wasm), CompilerOptions.defaults());
            assertArrayEquals(fresh.code(), reused.code());
        }
    }

    @Test
    void aDamagedTruncatedOrForeignEntryIsRefused() {
        byte[] wasm = Wat2Wasm.parse("(module (func (export \"f\") (result i32) (i32.const 1)))");
        byte[] other = Wat2Wasm.parse("(module (func (export \"f\") (result i32) (i32.const 2)))");
        byte[] stored = CompiledModuleFormat.write(wasm, ModuleCompiler.compile(wasm));
        CompilerOptions options = CompilerOptions.defaults();

        for (int i = 0; i < stored.length; i += 7) {
            byte[] damaged = stored.clone();
            damaged[i] ^= 0x01;
            assertThrows(CompileException.class, () -> CompiledModuleFormat.read(wasm, damaged, options), "byte " + i);
        }
        for (int cut : new int[] {0, 10, stored.length - 33, stored.length - 1}) {
            byte[] truncated = Arrays.copyOf(stored, cut);
            assertThrows(CompileException.class, () -> CompiledModuleFormat.read(wasm, truncated, options), "cut " + cut);
        }
        CompileException foreign = assertThrows(CompileException.class, () -> CompiledModuleFormat.read(other, stored, options));
        assertTrue(foreign.getMessage().contains("another module"), foreign.getMessage());
        CompileException mode = assertThrows(CompileException.class,
                () -> CompiledModuleFormat.read(wasm, stored, CompilerOptions.guardRegions()));
        assertTrue(mode.getMessage().contains("bounds checks"), mode.getMessage());
    }

    @Test
    void theCompilersIdentityIsStableAndNamesItsClasses() {
        Optional<String> identity = CompilerIdentity.current();
        assertTrue(identity.isPresent());
        assertEquals(64, identity.get().length());
        assertEquals(identity, CompilerIdentity.current());
        assertEquals(identity, CompilerIdentity.compute(List.of(ModuleCompiler.class, com.dylibso.chicory.wasm.Parser.class)));
        // Another set of classes (here: without Chicory's parser) is another compiler.
        assertTrue(!identity.equals(CompilerIdentity.compute(List.of(ModuleCompiler.class))));
    }
}
