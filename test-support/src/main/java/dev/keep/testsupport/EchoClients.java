package dev.keep.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * TCP clients for an echo server on loopback, as the echo-tcp sample's tests use them: many at once,
 * each checking that it gets back exactly the bytes it sent. Every wait is bounded, so a broken server
 * fails the test instead of hanging it; failures are {@link AssertionError}s whose message goes
 * through the caller's {@code describe} (which adds what the server printed).
 */
public final class EchoClients {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private EchoClients() {}

    /**
     * Connects {@code clients} clients, and only when all are connected lets each send its own random
     * payload (1 byte, {@code maxPayload} bytes, random sizes in between) in 2 to 8 writes, half-close,
     * and read until end of stream. A separate writer per client keeps the echo flowing while the
     * client still writes.
     */
    public static void echoConcurrently(int port, int clients, int maxPayload, Duration timeout,
            UnaryOperator<String> describe) throws InterruptedException {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        byte[][] payloads = new byte[clients][];
        for (int i = 0; i < clients; i++) {
            int size = i == 0 ? 1 : i == 1 ? maxPayload : 1 + random.nextInt(maxPayload);
            payloads[i] = new byte[size];
            random.nextBytes(payloads[i]);
        }
        CountDownLatch connected = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<byte[]>> echoes = new ArrayList<>();
            List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                byte[] payload = payloads[i];
                long chunkSeed = random.nextLong();
                echoes.add(threads.submit(() -> {
                    try (Socket socket = new Socket()) {
                        synchronized (sockets) {
                            sockets.add(socket);
                        }
                        socket.connect(loopback(port), CONNECT_TIMEOUT_MILLIS);
                        socket.setSoTimeout((int) timeout.toMillis());
                        connected.countDown();
                        go.await();
                        Future<?> writer = threads.submit(
                                () -> writeInChunks(socket, payload, new Random(chunkSeed)));
                        byte[] echo = socket.getInputStream().readAllBytes();
                        writer.get();
                        return echo;
                    }
                }));
            }
            try {
                if (!connected.await(remainingNanos(deadline), TimeUnit.NANOSECONDS)) {
                    throw new AssertionError(describe.apply((clients - connected.getCount()) + " of "
                            + clients + " clients connected"));
                }
                go.countDown();
                for (int i = 0; i < clients; i++) {
                    byte[] echo = echoes.get(i).get(remainingNanos(deadline), TimeUnit.NANOSECONDS);
                    requireSameBytes(i, payloads[i], echo, seed, describe);
                }
            } catch (TimeoutException | ExecutionException e) {
                throw new AssertionError(describe.apply("clients (seed " + seed + ") failed: " + e), e);
            } finally {
                go.countDown();
                // Unblock every client still waiting on the server, so the executor can close.
                synchronized (sockets) {
                    for (Socket s : sockets) {
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // Closing is all that is wanted; a socket that will not close is gone anyway.
                        }
                    }
                }
                threads.shutdownNow();
            }
        }
    }

    /** One client on its own: sends bytes, half-closes, returns what came back. */
    public static byte[] echoOnce(int port, byte[] bytes, Duration timeout) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(loopback(port), CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout((int) timeout.toMillis());
            socket.getOutputStream().write(bytes);
            socket.shutdownOutput();
            return socket.getInputStream().readAllBytes();
        }
    }

    private static InetSocketAddress loopback(int port) {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** Writes payload in 2 to 8 pieces of random sizes (fewer if it is shorter), then half-closes. */
    private static Void writeInChunks(Socket socket, byte[] payload, Random random) throws IOException {
        OutputStream out = socket.getOutputStream();
        int pieces = 2 + random.nextInt(7);
        int at = 0;
        for (int p = 1; p < pieces && at < payload.length; p++) {
            int n = 1 + random.nextInt(Math.max(1, (payload.length - at) / 2));
            out.write(payload, at, n);
            out.flush();
            at += n;
        }
        out.write(payload, at, payload.length - at);
        out.flush();
        socket.shutdownOutput();
        return null;
    }

    private static void requireSameBytes(int client, byte[] sent, byte[] echo, long seed,
            UnaryOperator<String> describe) {
        if (!Arrays.equals(sent, echo)) {
            throw new AssertionError(describe.apply("client " + client + " (seed " + seed + ") sent "
                    + sent.length + " bytes, got back " + echo.length + ", first difference at byte "
                    + Arrays.mismatch(sent, echo)));
        }
    }

    private static long remainingNanos(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }
}
