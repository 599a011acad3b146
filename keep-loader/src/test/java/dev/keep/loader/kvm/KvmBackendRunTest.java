package dev.keep.loader.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.SampleApps;
import dev.keep.loader.KeepException;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import dev.keep.loader.wasm.AppModuleLoader;
import dev.keep.testsupport.HostResources;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KvmBackend#run} on this machine, which has no /dev/kvm: the app is linked and Keep.toml's
 * directory and socket are opened, then the device cannot be opened, which is one line, and every
 * descriptor opened for the keep is closed again. Problems before the device (the module, a socket,
 * a directory) are one line too and leave nothing open. On a host with a usable /dev/kvm the same
 * run starts the keep, and the app's result is checked instead.
 */
class KvmBackendRunTest {
    private static final boolean DEVICE_PRESENT = Files.exists(Path.of("/dev/kvm"));
    @TempDir
    Path dir;

    private Path hello;

    @BeforeEach
    void assembleHello() throws IOException {
        hello = SampleApps.hello(dir);
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** The backend as `--backend kvm` would get it; run does not ask the device state again. */
    private static KvmBackend backend() {
        return new KvmBackend(() -> Availability.available("as if /dev/kvm were usable"), line -> { });
    }

    private KeepLaunch launch(Path app, FileEntry... extra) {
        List<FileEntry> files = new ArrayList<>(FileEntry.STANDARD_STREAMS);
        files.addAll(List.of(extra));
        return new KeepLaunch(AppModuleLoader.load(app), List.of(app.getFileName().toString()), Map.of("K", "v"),
                files, new HostStreams(new ByteArrayInputStream(new byte[0]), out, err, false));
    }

    @Test
    void theDeviceFailsAfterTheFilesOpenedAndEverythingIsClosedAgain() throws IOException {
        int port = HostResources.freeLoopbackPort();
        Path data = Files.createDirectory(dir.resolve("data"));
        KeepLaunch launch = launch(hello, new FileEntry.Dir(Optional.empty(), data, "/data", false),
                new FileEntry.Listen(Optional.empty(), "127.0.0.1", port));
        // Once first, so that what any first run opens for good (jars, native libraries) is open already.
        runOrRefusal(launch);

        Map<Integer, String> before = HostResources.openFds();
        Object ended = runOrRefusal(launch);
        Map<Integer, String> after = HostResources.openFds();

        if (DEVICE_PRESENT) {
            assertTrue(ended.equals(new RunResult.Exited(0)) || ended.toString().startsWith("backend kvm: "),
                    ended.toString());
        } else {
            String line = (String) ended;
            assertTrue(line.startsWith("backend kvm: /dev/kvm does not exist: "), line);
            assertFalse(line.contains("\n"), line);
        }
        assertEquals(before, after, "descriptors left open or closed by the run");
        HostResources.assertPortFree(port);
        assertFalse(after.values().stream().anyMatch(target -> target.startsWith(data.toString())),
                "the preopened directory is still open: " + after);
    }

    @Test
    void aModuleThatCannotBecomeAKeepIsOneLineBeforeAnythingOpens() throws IOException {
        Path app = Files.write(dir.resolve("no-start.wasm"),
                Wat2Wasm.parse("(module (memory (export \"memory\") 1) (func (export \"main\")))"));
        int port = HostResources.freeLoopbackPort();
        KeepLaunch launch = launch(app, new FileEntry.Listen(Optional.empty(), "127.0.0.1", port));

        KeepException refused = assertThrows(KeepException.class, () -> backend().run(launch));
        assertEquals(app + ": cannot build a keep image: the module exports no _start function (not a WASI command)",
                refused.getMessage());
        HostResources.assertPortFree(port);
    }

    @Test
    void aSocketThatCannotBeOpenedIsOneLineAndTheDirectoryBeforeItIsClosed() throws IOException {
        Path data = Files.createDirectory(dir.resolve("data"));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            KeepLaunch launch = launch(hello, new FileEntry.Dir(Optional.empty(), data, "/data", false),
                    new FileEntry.Listen(Optional.empty(), "127.0.0.1", port));
            runOrRefusal(launch);
            Map<Integer, String> before = HostResources.openFds();

            KeepException refused = assertThrows(KeepException.class, () -> backend().run(launch));

            assertTrue(refused.getMessage().startsWith("Keep.toml fd 4 (listen 127.0.0.1:" + port + "): "),
                    refused.getMessage());
            assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
            assertEquals(before, HostResources.openFds());
        }
    }

    @Test
    void aDirectoryThatCannotBeOpenedClosesTheSocketOpenedForTheKeep() throws IOException {
        int port = HostResources.freeLoopbackPort();
        Path gone = dir.resolve("gone");
        KeepLaunch launch = launch(hello, new FileEntry.Dir(Optional.empty(), gone, "/data", false),
                new FileEntry.Listen(Optional.empty(), "127.0.0.1", port));

        KeepException refused = assertThrows(KeepException.class, () -> backend().run(launch));

        assertTrue(refused.getMessage().startsWith(hello + ": cannot preopen a directory: "), refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"), refused.getMessage());
        HostResources.assertPortFree(port);
    }

    /** The run's result, or the message of the one-line error it ended with. */
    private static Object runOrRefusal(KeepLaunch launch) {
        try {
            return backend().run(launch);
        } catch (KeepException e) {
            return e.getMessage();
        }
    }
}
