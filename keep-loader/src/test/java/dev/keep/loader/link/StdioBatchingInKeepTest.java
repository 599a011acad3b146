package dev.keep.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.loader.hostcall.HostcallOutcome;
import dev.keep.loader.hostcall.UserModeKeep;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keep buffers fd 1/2 output in its own memory: apps run natively with the real dispatcher,
 * every doorbell counted (the mailbox hook runs once per request), and the output checked byte
 * for byte, often with stdout and stderr captured into one stream so their order shows.
 */
class StdioBatchingInKeepTest {
    private static final String APP = "stdio.wasm";
    private static final int WASI_EIO = 29;

    @TempDir
    Path dir;

    /** How a run ended and how many hostcalls it took. */
    private record Outcome(int exit, String out, String err, String fault, int doorbells) {
    }

    private static Outcome run(byte[] wasm, InputStream stdin, OutputStream out, OutputStream err)
            throws Exception {
        WasiCallHandler files = new WasiCallHandler(stdin, out, err, List.of(), KeepLimits.DEFAULT);
        AtomicInteger doorbells = new AtomicInteger();
        try (HostcallDispatcher host = new HostcallDispatcher(out, err, files)) {
            UserModeKeep.Result result = UserModeKeep.run(KeepLinker.link(wasm, LaunchConfig.of(APP)),
                    host, mailbox -> doorbells.incrementAndGet());
            int exit = result.outcome() instanceof HostcallOutcome.Exited e ? e.status() : -1;
            return new Outcome(exit, out.toString(), err.toString(), result.fault(), doorbells.get());
        }
    }

    /** Runs with stdout and stderr going into one stream (returned as out). */
    private static Outcome runCombined(byte[] wasm) throws Exception {
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        return run(wasm, new ByteArrayInputStream(new byte[0]), both, both);
    }

    private static final String IMPORTS = """
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") 1)
            """;

    /**
     * {@code count} writes of {@code size} bytes each, every {@code stderrEvery}-th to stderr (0:
     * none). Write i repeats the letter i mod 26, lower case on stdout, upper case on stderr. The
     * app checks each result: a failed write ends it with status errno (on the first write) or
     * 100 + errno (on a later one); a short count is a trap.
     */
    private static byte[] writer(int count, int size, int stderrEvery) {
        return LinkedApps.wat("(module\n" + IMPORTS + """
                  (func (export "_start")
                    (local $i i32) (local $j i32) (local $fd i32) (local $e i32)
                    (loop $each
                      (local.set $fd (i32.const 1))
                      (if (i32.and (i32.ne (i32.const STDERR_EVERY) (i32.const 0))
                                   (i32.eq (i32.rem_u (i32.add (local.get $i) (i32.const 1)) (i32.const STDERR_EVERY_OR_1)) (i32.const 0)))
                        (then (local.set $fd (i32.const 2))))
                      (local.set $j (i32.const 0))
                      (loop $fill
                        (i32.store8 (i32.add (i32.const 1024) (local.get $j))
                          (i32.add (i32.rem_u (local.get $i) (i32.const 26))
                                   (select (i32.const 65) (i32.const 97) (i32.eq (local.get $fd) (i32.const 2)))))
                        (local.set $j (i32.add (local.get $j) (i32.const 1)))
                        (br_if $fill (i32.lt_u (local.get $j) (i32.const SIZE))))
                      (i32.store (i32.const 0) (i32.const 1024))
                      (i32.store (i32.const 4) (i32.const SIZE))
                      (local.set $e (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)))
                      (if (i32.ne (local.get $e) (i32.const 0))
                        (then (call $proc_exit (select (local.get $e) (i32.add (i32.const 100) (local.get $e))
                                                       (i32.eqz (local.get $i))))))
                      (if (i32.ne (i32.load (i32.const 8)) (i32.const SIZE)) (then unreachable))
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br_if $each (i32.lt_u (local.get $i) (i32.const COUNT))))))
                """.replace("STDERR_EVERY_OR_1", Integer.toString(Math.max(1, stderrEvery)))
                .replace("STDERR_EVERY", Integer.toString(stderrEvery))
                .replace("SIZE", Integer.toString(size))
                .replace("COUNT", Integer.toString(count)));
    }

    /** What {@link #writer} writes, both streams in order. */
    private static String writerOutput(int count, int size, int stderrEvery) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < count; i++) {
            boolean stderr = stderrEvery != 0 && (i + 1) % stderrEvery == 0;
            s.repeat((char) ((stderr ? 'A' : 'a') + i % 26), size);
        }
        return s.toString();
    }

    @Test
    void thousandOneByteWritesLeaveInAHandfulOfHostcallsWithTheSameBytes() throws Exception {
        byte[] wasm = writer(1000, 1, 0);
        Outcome keep = runCombined(wasm);
        assertNull(keep.fault(), keep::fault);
        assertEquals(0, keep.exit());
        assertEquals(writerOutput(1000, 1, 0), keep.out());
        assertTrue(keep.doorbells() <= 5, "doorbells: " + keep.doorbells());
        LinkedApps.Run nil = LinkedApps.nil(dir, wasm, LaunchConfig.of(APP));
        assertEquals(nil.out(), keep.out());
    }

    @Test
    void writesThatFillTheBufferGoOutInBufferSizedBatches() throws Exception {
        Outcome keep = runCombined(writer(100, 500, 0));
        assertNull(keep.fault(), keep::fault);
        assertEquals(0, keep.exit());
        assertEquals(writerOutput(100, 500, 0), keep.out());
        // 50000 bytes: a few full buffers, the rest at exit, then EXIT; not 100 writes.
        assertTrue(keep.doorbells() >= 3 && keep.doorbells() <= 8, "doorbells: " + keep.doorbells());
    }

    @Test
    void interleavedStdoutAndStderrKeepTheirOrderInOneStream() throws Exception {
        Outcome keep = runCombined(writer(200, 2, 3));
        assertNull(keep.fault(), keep::fault);
        assertEquals(0, keep.exit());
        assertEquals(writerOutput(200, 2, 3), keep.out());
    }

    @Test
    void interleavedWritesLandOnTheRightStream() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Outcome keep = run(writer(200, 2, 3), new ByteArrayInputStream(new byte[0]), out, err);
        assertNull(keep.fault(), keep::fault);
        String both = writerOutput(200, 2, 3);
        assertEquals(both.replaceAll("[A-Z]", ""), keep.out());
        assertEquals(both.replaceAll("[a-z]", ""), keep.err());
    }

    @Test
    void outputBeforeProcExitArrivesInOrder() throws Exception {
        Outcome keep = runCombined(LinkedApps.wat("(module\n" + IMPORTS + """
                  (data (i32.const 100) "bye\\n")
                  (data (i32.const 110) "err\\n")
                  (func (export "_start")
                    (i32.store (i32.const 0) (i32.const 100))
                    (i32.store (i32.const 4) (i32.const 4))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                    (i32.store (i32.const 0) (i32.const 110))
                    (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8)))
                    (call $proc_exit (i32.const 7))))
                """));
        assertNull(keep.fault(), keep::fault);
        assertEquals(7, keep.exit());
        assertEquals("bye\nerr\n", keep.out());
    }

    @Test
    void outputBeforeATrapArrivesBeforeTheTrapLine() throws Exception {
        byte[] wasm = LinkedApps.wat("(module\n" + IMPORTS + """
                  (data (i32.const 100) "before\\n")
                  (func (export "_start")
                    (i32.store (i32.const 0) (i32.const 100))
                    (i32.store (i32.const 4) (i32.const 7))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                    unreachable))
                """);
        Outcome keep = runCombined(wasm);
        assertNull(keep.fault(), keep::fault);
        // The keep's own trap line, from the same trap without the write.
        Outcome trapOnly = runCombined(LinkedApps.wat("(module\n" + IMPORTS
                + "(func (export \"_start\") unreachable))"));
        assertTrue(trapOnly.out().startsWith("keep: " + APP + " trapped"), trapOnly.out());
        assertEquals("before\n" + trapOnly.out(), keep.out());
        LinkedApps.Run nil = LinkedApps.nil(dir, wasm, LaunchConfig.of(APP));
        assertEquals(nil.exit(), keep.exit());
        assertEquals("before\n", nil.out());
    }

    /** Standard input that notes what stdout held when the app first asked for input. */
    private static final class WatchedStdin extends InputStream {
        private final InputStream bytes;
        private final ByteArrayOutputStream out;
        private String outAtFirstRead;

        WatchedStdin(byte[] bytes, ByteArrayOutputStream out) {
            this.bytes = new ByteArrayInputStream(bytes);
            this.out = out;
        }

        private void note() {
            if (outAtFirstRead == null) {
                outAtFirstRead = out.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public int read() throws IOException {
            note();
            return bytes.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            note();
            return bytes.read(b, off, len);
        }
    }

    @Test
    void aPromptIsOutBeforeTheKeepReadsStdin() throws Exception {
        byte[] wasm = LinkedApps.wat("(module\n" + IMPORTS + """
                  (data (i32.const 100) "name? ")
                  (data (i32.const 110) "hello ")
                  (func (export "_start")
                    (i32.store (i32.const 0) (i32.const 100))
                    (i32.store (i32.const 4) (i32.const 6))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                    (i32.store (i32.const 16) (i32.const 1024))
                    (i32.store (i32.const 20) (i32.const 100))
                    (if (i32.ne (call $fd_read (i32.const 0) (i32.const 16) (i32.const 1) (i32.const 24))
                                (i32.const 0)) (then unreachable))
                    (i32.store (i32.const 0) (i32.const 110))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
                    (i32.store (i32.const 0) (i32.const 1024))
                    (i32.store (i32.const 4) (i32.load (i32.const 24)))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        WatchedStdin stdin = new WatchedStdin("world\n".getBytes(StandardCharsets.UTF_8), out);
        Outcome keep = run(wasm, stdin, out, new ByteArrayOutputStream());
        assertNull(keep.fault(), keep::fault);
        assertEquals(0, keep.exit());
        assertEquals("name? ", stdin.outAtFirstRead);
        assertEquals("name? hello world\n", keep.out());
    }

    @Test
    void aWriteLargerThanTheBufferGoesOutWholeAfterWhatWasBuffered() throws Exception {
        // "he" + "ad\n" (two iovecs, buffered), 40000 bytes in two iovecs, then "tail\n".
        Outcome keep = runCombined(LinkedApps.wat("(module\n" + IMPORTS + """
                  (data (i32.const 100) "head\\ntail\\n")
                  (func (export "_start")
                    (local $j i32)
                    (loop $fill
                      (i32.store8 (i32.add (i32.const 1024) (local.get $j))
                        (i32.add (i32.const 97) (i32.rem_u (local.get $j) (i32.const 26))))
                      (local.set $j (i32.add (local.get $j) (i32.const 1)))
                      (br_if $fill (i32.lt_u (local.get $j) (i32.const 40000))))
                    (i32.store (i32.const 0) (i32.const 100))
                    (i32.store (i32.const 4) (i32.const 2))
                    (i32.store (i32.const 8) (i32.const 102))
                    (i32.store (i32.const 12) (i32.const 3))
                    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 40))
                                (i32.const 0)) (then unreachable))
                    (if (i32.ne (i32.load (i32.const 40)) (i32.const 5)) (then unreachable))
                    (i32.store (i32.const 0) (i32.const 1024))
                    (i32.store (i32.const 4) (i32.const 20000))
                    (i32.store (i32.const 8) (i32.const 21024))
                    (i32.store (i32.const 12) (i32.const 20000))
                    (if (i32.ne (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 40))
                                (i32.const 0)) (then unreachable))
                    (if (i32.ne (i32.load (i32.const 40)) (i32.const 40000)) (then unreachable))
                    (i32.store (i32.const 0) (i32.const 105))
                    (i32.store (i32.const 4) (i32.const 5))
                    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 40)))))
                """));
        assertNull(keep.fault(), keep::fault);
        assertEquals(0, keep.exit());
        StringBuilder big = new StringBuilder();
        for (int j = 0; j < 40000; j++) {
            big.append((char) ('a' + j % 26));
        }
        assertEquals("head\n" + big + "tail\n", keep.out());
        // flush of "head\n", one WRITE per big iovec, the tail at exit, EXIT.
        assertTrue(keep.doorbells() <= 5, "doorbells: " + keep.doorbells());
    }

    /** A stdout whose every write fails, as a closed pipe does. */
    private static final class BrokenStream extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("broken pipe");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("broken pipe");
        }
    }

    @Test
    void aHostErrorOnBufferedBytesFailsTheNextWriteThatFlushes() throws Exception {
        Outcome keep = run(writer(100, 500, 0), new ByteArrayInputStream(new byte[0]),
                new BrokenStream(), new ByteArrayOutputStream());
        assertNull(keep.fault(), keep::fault);
        // The first writes were taken into the buffer; a later one found the host's error: EIO.
        assertEquals(100 + WASI_EIO, keep.exit());
    }

    @Test
    void samplesPrintWhatTheyPrintedBefore() throws Exception {
        for (String sample : List.of("hello", "fib")) {
            byte[] wasm = LinkedApps.sample(sample);
            Outcome keep = runCombined(wasm);
            LinkedApps.Run nil = LinkedApps.nil(dir, wasm, LaunchConfig.of(APP));
            assertNull(keep.fault(), keep::fault);
            assertEquals(nil.exit(), keep.exit(), sample);
            assertEquals(nil.out() + nil.err(), keep.out(), sample);
        }
    }
}
