package dev.keep.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.config.KeepConfigParser;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.run.RunRequest;
import dev.keep.loader.run.RunResult;
import dev.keep.testsupport.EchoClients;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The echo-tcp sample (the C program in samples/echo-tcp, as committed) served from a keep: Keep's
 * compiler and linker build the keep image the kvm backend would load, its ring-3 code runs natively
 * ({@link NativeKeepBackend}), and every socket call goes through the in-keep WASI runtime, the
 * mailbox and its validator to the host's socket table. 100 clients at once, each echoed exactly;
 * then the app ends itself after its 100th connection. What a KVM guest adds (the ring-0 stubs, VM
 * exits) is not exercised here.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EchoTcpInKeepTest {
    private static final int CLIENTS = 100;
    private static final String LISTENING = "echo-tcp: listening on fd 3\n";

    @TempDir
    Path dir;

    @Test
    void servesOneHundredConcurrentClientsFromTheKeep() throws Exception {
        Path sample = Path.of(System.getProperty("keep.projectRoot")).resolve("samples/echo-tcp");
        int port = WasiSocketsEndToEndTest.freePort();
        String toml = Files.readString(sample.resolve("Keep.toml")).replaceFirst("(?m)^port = \\d+",
                "port = " + port);
        assertTrue(toml.contains("port = " + port), "the sample's Keep.toml sets a port");
        Path config = Files.writeString(dir.resolve("Keep.toml"), toml);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        HostStreams streams = new HostStreams(new ByteArrayInputStream(new byte[0]), out, err, false);
        RunRequest request = RunRequest.of(sample.resolve("echo-tcp.wasm"), "kvm", streams)
                .withConfig(KeepConfigParser.parse(config)).withArgs(List.of(String.valueOf(CLIENTS)));
        CompletableFuture<RunResult> keep = CompletableFuture.supplyAsync(() -> new KeepRunner(
                new BackendSelector(List.of(new NativeKeepBackend())), line -> { }).run(request));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!printed(out).startsWith(LISTENING)) {
            if (keep.isDone()) {
                fail("the keep ended before it listened: " + keep.get() + "; " + printed(err));
            }
            if (System.nanoTime() > deadline) {
                fail("no listening line within 60 s; stdout: " + printed(out));
            }
            Thread.sleep(20);
        }
        EchoClients.echoConcurrently(port, CLIENTS, 64 * 1024, Duration.ofSeconds(60),
                what -> what + " [stdout: " + printed(out) + "; stderr: " + printed(err) + "]");

        RunResult result = keep.get(30, TimeUnit.SECONDS);
        assertEquals(new RunResult.Exited(0), result, () -> printed(err));
        assertEquals(LISTENING + "echo-tcp: served " + CLIENTS + " connections\n", printed(out));
    }

    private static String printed(ByteArrayOutputStream stream) {
        synchronized (stream) {
            return stream.toString(StandardCharsets.UTF_8);
        }
    }
}
