package dev.keep.loader.nil;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The classes a jail supervisor compiles for its runner, and the runner's use of them. */
class CompiledClassesTest {
    @TempDir
    Path dir;

    @Test
    void aMissCompilesAndFillsTheCacheAndTheNextLookupIsAHit() throws IOException {
        AppModule app = exitingWith(3);
        CompiledModuleCache cache = CompiledModuleCache.in(dir.resolve("cache")).orElseThrow();

        CompiledClasses first = CompiledClasses.of(app.module(), Optional.of(cache), line -> {}).orElseThrow();
        assertFalse(first.fromCache());
        assertEquals(app.module().digest(), first.moduleDigest());
        assertArrayEquals(first.jar(), cache.get(app.module().digest()), "what was compiled is what the cache holds");

        CompiledClasses second = CompiledClasses.of(app.module(), Optional.of(cache), line -> {}).orElseThrow();
        assertTrue(second.fromCache());
        assertArrayEquals(first.jar(), second.jar());
    }

    @Test
    void withoutACacheTheClassesAreStillCompiled() {
        CompiledClasses classes = CompiledClasses.of(exitingWith(4).module(), Optional.empty(), line -> {}).orElseThrow();
        assertFalse(classes.fromCache());
        assertTrue(classes.jar().length > 0);
    }

    @Test
    void theJailedRunnersBackendRunsTheClassesItIsGivenNotItsOwnCompilation() {
        // Classes of the module that exits with 5, labelled with the digest of the one that exits
        // with 6: a runner that used them runs the former's code. (This is why only the
        // supervisor, never the runner, decides what classes a run gets.)
        AppModule exits5 = exitingWith(5);
        AppModule exits6 = exitingWith(6);
        CompiledClasses of5 = CompiledClasses.of(exits5.module(), Optional.empty(), line -> {}).orElseThrow();
        CompiledClasses relabelled = new CompiledClasses(exits6.module().digest(), of5.jar(), false);

        List<String> verbose = new ArrayList<>();
        RunResult result = NilBackend.forJailedRunner(verbose::add, Optional.of(relabelled)).run(launch(exits6), List.of());
        assertEquals(new RunResult.Exited(5), result);
        assertTrue(verbose.stream().anyMatch(l -> l.startsWith("nil: JVM bytecode compiled ahead by the supervisor")), verbose.toString());
        assertTrue(verbose.stream().noneMatch(l -> l.contains("NO isolation")), "the runner is jailed: " + verbose);
    }

    @Test
    void classesForAnotherModuleAreIgnoredAndTheRunnerCompilesWithoutTouchingTheUsersCache() throws IOException {
        AppModule exits8 = exitingWith(8);
        AppModule exits9 = exitingWith(9);
        CompiledClasses of8 = CompiledClasses.of(exits8.module(), Optional.empty(), line -> {}).orElseThrow();

        List<String> verbose = new ArrayList<>();
        RunResult result = NilBackend.forJailedRunner(verbose::add, Optional.of(of8)).run(launch(exits9), List.of());
        assertEquals(new RunResult.Exited(9), result);
        assertTrue(verbose.contains("nil: compiled to JVM bytecode by Chicory's compiler"), verbose.toString());
        assertNull(CompiledModuleCache.forUser().orElseThrow().get(exits9.module().digest()),
                "a jailed runner's compilation never reaches the user's cache");
    }

    /** A module of its own (a fresh UUID in its data keeps its digest unique to this test run). */
    private AppModule exitingWith(int status) {
        String wat = """
                (module
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory (export "memory") 1)
                  (data (i32.const 0) "%s")
                  (func (export "_start") (call $exit (i32.const %d))))
                """.formatted(UUID.randomUUID(), status);
        try {
            Path file = Files.write(dir.resolve("exit-" + status + ".wasm"), Wat2Wasm.parse(wat));
            return AppModuleLoader.load(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static KeepLaunch launch(AppModule app) {
        return new KeepLaunch(app, List.of("app.wasm"), Map.of(), FileEntry.STANDARD_STREAMS,
                new HostStreams(InputStream.nullInputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream(), false));
    }
}
