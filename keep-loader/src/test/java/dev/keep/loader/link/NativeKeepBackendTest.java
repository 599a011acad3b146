package dev.keep.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.KeepException;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.run.RunRequest;
import dev.keep.loader.run.RunResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native stand-in for the kvm backend, through the real {@link KeepRunner}: a request's
 * args and env reach the app (its preopened directory is accepted), and a run whose thread is
 * interrupted (a time limit) stops.
 */
class NativeKeepBackendTest {
    @TempDir
    Path dir;

    private static KeepRunner runner() {
        return new KeepRunner(new BackendSelector(List.of(new NativeKeepBackend())), line -> { });
    }

    @Test
    void argsAndEnvReachTheApp() throws Exception {
        Path app = Files.write(dir.resolve("echo.wasm"), LinkedApps.testApp("echo"));
        Path root = Files.createDirectories(dir.resolve("root"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HostStreams streams = new HostStreams(new ByteArrayInputStream("typed".getBytes()), out,
                new ByteArrayOutputStream(), false);
        RunRequest request = RunRequest.of(app, "kvm", streams).withArgs(List.of("a", "b c"))
                .withEnv(Map.of("K", "v"))
                .withDirs(List.of(new FileEntry.Dir(Optional.empty(), root, "/", false)));
        RunResult result = runner().run(request);
        assertEquals(new RunResult.Exited(0), result);
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals("echo.wasm\na\nb c\nK=v\n", printed);
    }

    @Test
    void aRunThatNeverEndsStopsWhenItsThreadIsInterrupted() throws Exception {
        Path app = Files.write(dir.resolve("spin.wasm"), LinkedApps.wat("""
                (module (memory (export "memory") 1)
                  (func (export "_start") (loop $l (br $l))))
                """));
        HostStreams streams = new HostStreams(new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream(), new ByteArrayOutputStream(), false);
        AtomicReference<Throwable> ended = new AtomicReference<>();
        Thread run = Thread.ofPlatform().start(() -> {
            try {
                runner().run(RunRequest.of(app, "kvm", streams));
            } catch (Throwable t) {
                ended.set(t);
            }
        });
        run.join(1500);
        assertTrue(run.isAlive(), "the spinning app ended by itself");
        run.interrupt();
        run.join(10_000);
        assertFalse(run.isAlive(), "the run did not stop when interrupted");
        KeepException stopped = assertInstanceOf(KeepException.class, ended.get());
        assertEquals("interrupted", stopped.getMessage());
    }
}
