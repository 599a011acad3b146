package dev.keep.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.Parser;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.cli.CliRun;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.run.RunRequest;
import dev.keep.loader.run.RunResult;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A valid app whose block uses type index 64, which Chicory 1.7.5 misreads as the empty block type:
 * Keep loads it (its front end reads block types itself), measures, compiles and runs it on the
 * keep's code, and the nil backend, which runs on Chicory, refuses it in one line instead of calling
 * it invalid.
 */
class BlockTypeIndexInKeepTest {
    @TempDir
    Path dir;

    /** 64 filler types, then type 64: [] -> [i32 i32]; _start exits with 7 - 5 from a block of that type. */
    private Path app() throws IOException {
        String fillers = IntStream.range(0, 64)
                .mapToObj(k -> "  (type (func (param i64) (result " + (k % 2 == 0 ? "f64" : "f32") + ")))")
                .collect(Collectors.joining("\n"));
        String wat = "(module\n" + fillers + """

                  (type $pair (func (result i32 i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory (export "memory") 1)
                  (func (export "_start")
                    (block (type $pair) (i32.const 7) (i32.const 5))
                    i32.sub
                    call $exit))
                """;
        return Files.write(dir.resolve("types.wasm"), Wat2Wasm.parse(wat));
    }

    @Test
    void chicorysValidatorRefusesItAndKeepsLoaderAcceptsIt() throws IOException {
        Path app = app();
        Assertions.assertThrows(InvalidException.class, () -> Parser.parse(Files.readAllBytes(app)));
        AppModule loaded = AppModuleLoader.load(app);
        assertEquals(AppModule.Parse.BLOCK_TYPES_MISREAD_BY_CHICORY, loaded.parse());
    }

    @Test
    void theKeepsCodeRunsIt() throws IOException {
        RunRequest request = RunRequest.of(app(), "kvm", new HostStreams(InputStream.nullInputStream(),
                new ByteArrayOutputStream(), new ByteArrayOutputStream(), false));
        RunResult result = new KeepRunner(new BackendSelector(List.of(new NativeKeepBackend())), line -> { }).run(request);
        assertEquals(new RunResult.Exited(2), result);
    }

    @Test
    void measureAndCompileTakeItAndTheNilBackendRefusesItInOneLine() throws IOException {
        Path app = app();
        CliRun.Result measured = CliRun.keep("measure", app.toString());
        assertEquals(0, measured.exit(), measured.err());
        assertTrue(measured.out().matches("[0-9a-f]{96}\n"), measured.out());

        CliRun.Result compiled = CliRun.keep("compile", app.toString());
        assertEquals(0, compiled.exit(), compiled.err());

        for (String backend : List.of("nil", "auto")) {
            CliRun.Result run = CliRun.keepWithStdin("", "run", "--backend", backend, app.toString());
            assertEquals(1, run.exit(), run.err());
            assertEquals("keep: " + app + ": the nil backend cannot run this module: Chicory 1.7.5 misreads its block"
                    + " types (a type index of 64 or more); Keep's compiler reads them right: use --backend kvm\n", run.err());
        }
        CliRun.Result jailed = CliRun.keepWithStdin("", "run", "--jail", app.toString());
        assertEquals(1, jailed.exit(), jailed.err());
        assertTrue(jailed.err().contains("the nil backend cannot run this module"), jailed.err());
    }
}
