package dev.keep.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.keep.testsupport.EchoClients;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the echo-tcp sample as a real {@code keep run} child process (nil backend) listening on a
 * free loopback port, and talks to it over real TCP: many clients at once, each checking that it
 * gets back exactly the bytes it sent. Every wait is bounded, so a broken server fails the test
 * instead of hanging it, and each failure message carries the child's stderr.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class EchoTcpTest {
    /** The samples folder: the module's directory, where surefire runs. */
    private static final Path SAMPLE = Path.of("").toAbsolutePath().resolve("echo-tcp");
    private static final String LISTENING_LINE = "echo-tcp: listening on fd 3";
    private static final int CLIENTS = 100;
    private static final int MAX_PAYLOAD = 256 * 1024;
    /** Generous for a JVM start plus compiling the module on a busy two-core machine. */
    private static final long START_SECONDS = 45;
    private static final Duration TRAFFIC = Duration.ofSeconds(30);
    private static final long EXIT_SECONDS = 15;

    @TempDir
    Path temp;

    private final List<KeepChild> children = new ArrayList<>();

    @AfterEach
    void stopChildren() {
        children.forEach(KeepChild::kill);
    }

    @Test
    void echoesConcurrentClientsAndExitsAfterServingN() throws Exception {
        int port = freePort();
        KeepChild server = start(config(port), String.valueOf(CLIENTS));
        server.awaitListening();

        EchoClients.echoConcurrently(port, CLIENTS, MAX_PAYLOAD, TRAFFIC, server::describe);

        server.awaitExit();
        assertEquals(0, server.exitValue(), server.describe("exit status after serving " + CLIENTS));
        assertEquals(LISTENING_LINE + "\necho-tcp: served " + CLIENTS + " connections\n", server.stdout(),
                server.describe("stdout"));
    }

    @Test
    void servesUntilTerminatedAndThenFreesThePort() throws Exception {
        int port = freePort();
        KeepChild server = start(config(port));
        server.awaitListening();

        EchoClients.echoConcurrently(port, CLIENTS, MAX_PAYLOAD, TRAFFIC, server::describe);
        assertTrue(server.process.isAlive(), server.describe("without N the server keeps serving"));

        server.process.destroy(); // SIGTERM
        assertTrue(server.process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS),
                server.describe("SIGTERM should end keep within " + EXIT_SECONDS + " s"));
        server.drain();
        assertNoStackTrace(server);
        try (ServerSocket again = new ServerSocket(port, 50, InetAddress.getLoopbackAddress())) {
            assertEquals(port, again.getLocalPort());
        } catch (IOException e) {
            fail(server.describe("port " + port + " should be free after keep ended: " + e));
        }
    }

    @Test
    void aSecondServerOnTheSamePortFailsWithOneLine() throws Exception {
        int port = freePort();
        Path config = config(port);
        KeepChild first = start(config);
        first.awaitListening();

        KeepChild second = start(config);
        second.awaitExit();
        String err = second.stderr();
        assertEquals(1, second.exitValue(), second.describe("exit status of the second keep"));
        assertTrue(err.startsWith("keep: ") && err.endsWith("\n") && err.indexOf('\n') == err.length() - 1,
                second.describe("one line starting with 'keep: '"));
        assertTrue(err.contains(String.valueOf(port)), second.describe("the error should name the port"));
        assertFalse(second.stdout().contains(LISTENING_LINE), second.describe("the app must not start"));
        assertNoStackTrace(second);
        byte[] hello = "still here\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(new String(hello, StandardCharsets.US_ASCII),
                new String(EchoClients.echoOnce(port, hello, TRAFFIC), StandardCharsets.US_ASCII), first.describe("the first server still echoes"));
    }

    @Test
    void rejectsABadCount() throws Exception {
        String[] bads = {"0", "ten", "1000000001"};
        List<KeepChild> servers = new ArrayList<>();
        for (String bad : bads) {
            // All at once, each on its own port: the JVM starts are most of the time.
            servers.add(start(config(freePort()), bad));
        }
        for (int i = 0; i < bads.length; i++) {
            String bad = bads[i];
            KeepChild server = servers.get(i);
            server.awaitExit();
            assertEquals(2, server.exitValue(), server.describe("exit status for N = " + bad));
            assertEquals("echo-tcp: N must be a whole number from 1 to 1000000000\n", server.stderr(),
                    server.describe("message for N = " + bad));
            assertEquals("", server.stdout(), server.describe("the app checks N before it listens"));
        }
    }

    private static long remainingNanos(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    // ---- the keep child ----

    /** A copy of the sample's Keep.toml with its port replaced by {@code port}. */
    private Path config(int port) throws IOException {
        String text = Files.readString(SAMPLE.resolve("Keep.toml"));
        Matcher m = Pattern.compile("(?m)^port = \\d+").matcher(text);
        assertTrue(m.find(), "the sample's Keep.toml should set a port");
        String copy = m.replaceFirst("port = " + port);
        assertFalse(Pattern.compile("(?m)^port = \\d+").matcher(copy.substring(m.start() + 1)).find(),
                "the sample's Keep.toml should have one port");
        Path file = temp.resolve("Keep-" + port + ".toml");
        Files.writeString(file, copy);
        return file;
    }

    /** A port that was free a moment ago (keep binds it itself; a race here is very unlikely). */
    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private KeepChild start(Path config, String... appArgs) throws IOException {
        Path wasm = SAMPLE.resolve("echo-tcp.wasm");
        assertTrue(Files.isRegularFile(wasm), wasm + " should exist (committed; rebuilt by build.sh)");
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                // As the keep launcher script runs it.
                "--enable-native-access=ALL-UNNAMED", "-Xss16m", "-Xmx512m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "dev.keep.loader.Main", "run", "--backend", "nil", "--config", config.toString(), wasm.toString()));
        command.addAll(List.of(appArgs));
        KeepChild child = new KeepChild(new ProcessBuilder(command).start());
        children.add(child);
        return child;
    }

    private static void assertNoStackTrace(KeepChild child) {
        String err = child.stderr();
        assertFalse(err.contains("\tat ") || err.contains("Exception in thread"),
                child.describe("no Java stack trace on stderr"));
    }

    /** A running {@code keep run}: its process and everything it printed so far. */
    private static final class KeepChild {
        final Process process;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private final Thread outPump;
        private final Thread errPump;

        KeepChild(Process process) throws IOException {
            this.process = process;
            process.getOutputStream().close(); // the app reads no stdin
            // Platform threads: a blocking pipe read would pin a virtual thread's carrier, and
            // with two of them on a two-core machine the client threads could not run at all.
            outPump = Thread.ofPlatform().daemon().start(() -> pump(process.getInputStream(), out));
            errPump = Thread.ofPlatform().daemon().start(() -> pump(process.getErrorStream(), err));
        }

        private void pump(InputStream from, ByteArrayOutputStream to) {
            byte[] chunk = new byte[4096];
            try (from) {
                int n;
                while ((n = from.read(chunk)) >= 0) {
                    synchronized (this) {
                        to.write(chunk, 0, n);
                        notifyAll();
                    }
                }
            } catch (IOException e) {
                // The stream closed under us because keep was killed: what was read is kept.
            }
        }

        synchronized String stdout() {
            return out.toString(StandardCharsets.UTF_8);
        }

        synchronized String stderr() {
            return err.toString(StandardCharsets.UTF_8);
        }

        /** Waits for the app's first line; fails if keep exits or stays silent too long. */
        void awaitListening() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
            synchronized (this) {
                while (!stdout().contains(LISTENING_LINE + "\n")) {
                    if (!process.isAlive()) {
                        process.waitFor();
                        drain();
                        fail(describe("keep exited before the app listened"));
                    }
                    long left = remainingNanos(deadline);
                    if (left == 0) {
                        fail(describe("no '" + LISTENING_LINE + "' within " + START_SECONDS + " s"));
                    }
                    // Bounded waits, as a process exit does not notify.
                    wait(Math.min(100, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
                }
            }
        }

        void awaitExit() throws InterruptedException {
            if (!process.waitFor(START_SECONDS + EXIT_SECONDS, TimeUnit.SECONDS)) {
                fail(describe("keep did not exit"));
            }
            drain();
        }

        /** After exit: waits until both streams are read to their end. */
        void drain() throws InterruptedException {
            outPump.join(TimeUnit.SECONDS.toMillis(EXIT_SECONDS));
            errPump.join(TimeUnit.SECONDS.toMillis(EXIT_SECONDS));
        }

        int exitValue() {
            return process.exitValue();
        }

        /** A failure message with what keep printed, which usually says why. */
        String describe(String what) {
            String status = process.isAlive() ? "running" : "exit " + process.exitValue();
            return what + " [keep " + status + "; stdout: " + stdout().strip() + "; stderr: " + stderr().strip() + "]";
        }

        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(EXIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
