package dev.keep.loader.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.Parser;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import dev.keep.shim.compiler.CompileException;
import dev.keep.shim.compiler.CompiledModule;
import dev.keep.shim.compiler.CompiledModuleFormat;
import dev.keep.shim.compiler.CompilerOptions;
import dev.keep.shim.compiler.ModuleCompiler;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk cache of the keep's machine code: hits, misses, damage, and images that do not change. */
class KeepCodeCacheTest {
    @TempDir
    Path dir;

    private static byte[] fib() {
        return Wat2Wasm.parse(Path.of(System.getProperty("keep.projectRoot")).resolve("samples/fib/fib.wat").toFile());
    }

    private List<Path> entries() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void theFirstStartCompilesAndStoresTheNextReadsTheEntryBack() throws IOException {
        KeepCodeCache cache = KeepCodeCache.in(dir);
        byte[] wasm = fib();
        assertFalse(cache.holds(wasm));
        CompiledModule first = cache.compile(wasm);
        assertTrue(cache.holds(wasm));
        List<Path> stored = entries();
        assertEquals(1, stored.size(), stored.toString());
        assertTrue(stored.getFirst().toString().endsWith(".code"));

        FileTime written = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(stored.getFirst(), written);
        CompiledModule second = KeepCodeCache.in(dir).compile(wasm);
        assertEquals(written, Files.getLastModifiedTime(stored.getFirst()), "a hit does not write the entry again");
        assertArrayEquals(first.code(), second.code());
        assertArrayEquals(ModuleCompiler.compile(wasm).code(), second.code());
    }

    @Test
    void imagesAndMeasurementsAreTheSameWithAndWithoutTheCache() {
        KeepCodeCache cache = KeepCodeCache.in(dir);
        byte[] wasm = fib();
        LaunchConfig config = LaunchConfig.of("fib.wasm", "20");
        byte[] uncached = KeepLinker.linkSnp(wasm, config, 51).digest();
        assertArrayEquals(uncached, KeepLinker.linkSnp(wasm, config, 51, cache).digest(), "miss");
        assertArrayEquals(uncached, KeepLinker.linkSnp(wasm, config, 51, cache).digest(), "hit");
        KeepLinker.CodeSupplier parsedOnce = cache.forApp(new AppModule(Path.of("fib.wasm"), wasm, Parser.parse(wasm)), line -> { });
        assertArrayEquals(uncached, KeepLinker.linkSnp(wasm, config, 51, parsedOnce).digest(), "hit, module parsed by the caller");
        assertArrayEquals(KeepLinker.link(wasm, config).digest(), KeepLinker.link(wasm, config, cache).digest());
    }

    @Test
    void anAppsOwnParseServesAMissAsWellAsAHit() throws IOException {
        byte[] wasm = fib();
        AppModule app = new AppModule(Path.of("fib.wasm"), wasm, Parser.parse(wasm));
        KeepLinker.CodeSupplier forApp = KeepCodeCache.in(dir).forApp(app, line -> { });
        byte[] expected = ModuleCompiler.compile(wasm).code();
        assertArrayEquals(expected, forApp.compile(wasm).code(), "miss, compiled from the app's parse");
        assertEquals(1, entries().size());
        assertArrayEquals(expected, forApp.compile(wasm).code(), "hit");
    }

    @Test
    void anAppLoadedThroughKeepsFrontEndCompilesAsTheCompilerWouldFromItsBytes() throws IOException {
        // Chicory parsed these with a declaration added: its offsets are not those of the app's own
        // bytes, so a miss must not compile from that parse.
        byte[] wasm = Wat2Wasm.parse("""
                (module
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory (export "memory") 1)
                  (table 1 funcref)
                  (elem (i32.const 0) $self)
                  (func $self (result i32) (block (result i32) (ref.is_null (ref.func $self))))
                  (func (export "_start") (call $exit (i32.add (i32.const 3) (call $self)))))
                """);
        AppModule app = AppModuleLoader.load(Files.write(dir.resolve("self-ref.wasm"), wasm));
        assertEquals(AppModule.Parse.DECLARATIONS_SPELLED_OUT, app.parse());
        Path cacheDir = Files.createDirectories(dir.resolve("cache"));
        byte[] expected = ModuleCompiler.compile(wasm).code();
        KeepLinker.CodeSupplier forApp = KeepCodeCache.in(cacheDir).forApp(app, line -> { });
        assertArrayEquals(expected, forApp.compile(wasm).code(), "miss");
        assertArrayEquals(expected, forApp.compile(wasm).code(), "hit");
    }

    @Test
    void aDamagedEntryIsCompiledAgainAndReplaced() throws IOException {
        KeepCodeCache cache = KeepCodeCache.in(dir);
        byte[] wasm = fib();
        byte[] expected = cache.compile(wasm).code();
        Path entry = entries().getFirst();
        byte[] bytes = Files.readAllBytes(entry);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(entry, bytes);

        assertArrayEquals(expected, KeepCodeCache.in(dir).compile(wasm).code());
        assertArrayEquals(expected, CompiledModuleFormat.read(wasm, Files.readAllBytes(entry),
                CompilerOptions.defaults()).code(), "the entry was written afresh");
    }

    @Test
    void differentModulesHaveDifferentEntriesAndBadModulesNone() throws IOException {
        KeepCodeCache cache = KeepCodeCache.in(dir);
        cache.compile(Wat2Wasm.parse("(module (func (export \"a\")))"));
        cache.compile(Wat2Wasm.parse("(module (func (export \"b\")))"));
        assertEquals(2, entries().size());
        assertThrows(CompileException.class, () -> cache.compile(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 99}));
        assertEquals(2, entries().size());
    }

    @Test
    void anUnusableFolderOnlyMeansCompilingEveryTime() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        KeepCodeCache cache = KeepCodeCache.in(file.resolve("keep-code"));
        byte[] wasm = fib();
        assertArrayEquals(ModuleCompiler.compile(wasm).code(), cache.compile(wasm).code());
        assertFalse(cache.holds(wasm));
    }
}
