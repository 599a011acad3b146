package dev.keep.loader.jail;

import dev.keep.loader.config.FileEntry;
import dev.keep.loader.nil.NilBackend;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import dev.keep.loader.wasm.AppModuleLoader;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Start latency and a whole hello run with and without the jail, and the round trip of one
 * hostcall (a WASI fd_write of one byte to a file, one write(2) each) with and without it, in one
 * run (not a test: a timed test would be flaky on shared machines). From the repository root, after {@code ./keep --version}
 * has built the launcher layout and one {@code ./keep run --jail} has made the runner's class-data
 * archive:
 *
 * <pre>
 * ./mvnw -q -B -pl keep-loader -am test-compile
 * java --enable-native-access=ALL-UNNAMED \
 *   -cp "keep-loader/target/test-classes:keep-loader/target/classes:keep-loader/target/lib/*" \
 *   dev.keep.loader.jail.JailBenchmark samples/hello/hello.wasm [ROUNDS]
 * </pre>
 *
 * It prints medians over ROUNDS (default 7) after one warm-up of each.
 */
public final class JailBenchmark {
    private JailBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path app = Path.of(args.length > 0 ? args[0] : "samples/hello/hello.wasm");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path bwrap = JailProbe.bwrap().orElseThrow(() -> new IllegalStateException("bwrap is not installed"));

        List<String> namespacesOnly = new ArrayList<>(List.of(bwrap.toString()));
        namespacesOnly.addAll(BwrapCommand.NAMESPACES);
        namespacesOnly.addAll(List.of("--die-with-parent", "--ro-bind", "/", "/", "/bin/true"));

        System.out.printf("app %s, %d rounds, medians, %d CPUs, load average %s%n", app, rounds,
                Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).trim());
        report("bwrap namespaces alone (bwrap ... /bin/true)", rounds, () -> exec(namespacesOnly, Map.of()));
        report("in-process nil run (no new process)", rounds, () -> inProcess(app));
        // The two commands a user types, through the launcher (its jars, its class-data archive, and
        // for --jail the runner's archive): the difference is what the jail costs at start. They take
        // turns, round after round, so that load from other users of the machine falls on all alike.
        Path keep = Path.of("keep").toAbsolutePath();
        List<String> names = List.of("keep run (unjailed)", "keep run, without the compiled-module cache", "keep run --jail");
        List<Supplier<Object>> runs = List.of(
                () -> exec(List.of(keep.toString(), "run", "--backend", "nil", app.toString()), Map.of()),
                () -> exec(List.of(keep.toString(), "run", "--backend", "nil", app.toString()),
                        Map.of("KEEP_CACHE_DIR", "/proc/keep-benchmark-no-cache")),
                () -> exec(List.of(keep.toString(), "run", "--jail", app.toString()), Map.of()));
        long[][] millis = takingTurns(rounds, runs);
        for (int i = 0; i < names.size(); i++) {
            long[] sorted = millis[i].clone();
            Arrays.sort(sorted);
            System.out.printf("  %-48s %6d ms   (min %d, max %d)%n", names.get(i), sorted[rounds / 2], sorted[0], sorted[rounds - 1]);
        }
        hostcallRoundTrip(keep, rounds);
    }

    /** Calls per measured run: enough that per-call differences of 10 ns show above start-up noise. */
    private static final int CALLS = 1_000_000;

    /**
     * Per-call cost of a hostcall jailed and unjailed: the same app run with 0 and with {@link #CALLS}
     * fd_write calls of one byte to a file in a preopened directory, each a write(2) that in the
     * jail also passes the seccomp filter. (time(CALLS) - time(0)) / CALLS cancels the start-up.
     */
    private static void hostcallRoundTrip(Path keep, int rounds) throws Exception {
        Path dir = Files.createTempDirectory("keep-hostcall-bench");
        try {
            Path none = dir.resolve("writes-0.wasm");
            Path many = dir.resolve("writes-" + CALLS + ".wasm");
            Files.write(none, com.dylibso.chicory.wabt.Wat2Wasm.parse(writer(0)));
            Files.write(many, com.dylibso.chicory.wabt.Wat2Wasm.parse(writer(CALLS)));
            Path out = Files.createDirectories(dir.resolve("out"));
            System.out.printf("hostcall round trip: fd_write of 1 byte to a file, %,d calls vs none%n", CALLS);
            // The four commands take turns, round after round, so that load from other users of the
            // machine falls on all of them alike; medians per command.
            List<List<String>> commands = new ArrayList<>();
            for (boolean jailed : new boolean[] {false, true}) {
                for (Path wasm : List.of(none, many)) {
                    List<String> command = new ArrayList<>(List.of(keep.toString(), "run", "--backend", "nil"));
                    if (jailed) {
                        command.add("--jail");
                    }
                    command.addAll(List.of("--dir", out.toString(), wasm.toString()));
                    commands.add(command);
                }
            }
            long[][] millis = takingTurns(rounds, commands.stream()
                    .map(command -> (Supplier<Object>) () -> exec(command, Map.of())).toList());
            if (Files.size(out.resolve("out.bin")) != CALLS) {
                throw new IllegalStateException("the app wrote " + Files.size(out.resolve("out.bin")) + " bytes");
            }
            for (int jailed = 0; jailed < 2; jailed++) {
                long t0 = medianOf(millis[2 * jailed]);
                long t1 = medianOf(millis[2 * jailed + 1]);
                System.out.printf("  %-48s %6d ns per call   (%d ms with %,d calls, %d ms with none)%n",
                        jailed == 1 ? "keep run --jail" : "keep run (unjailed)", (t1 - t0) * 1_000_000 / CALLS, t1, CALLS, t0);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Milliseconds of each run per round, the runs taking turns, after one warm-up round. */
    private static long[][] takingTurns(int rounds, List<Supplier<Object>> runs) {
        long[][] millis = new long[runs.size()][rounds];
        for (int round = -1; round < rounds; round++) {
            for (int r = 0; r < runs.size(); r++) {
                long start = System.nanoTime();
                runs.get(r).get();
                if (round >= 0) {
                    millis[r][round] = (System.nanoTime() - start) / 1_000_000;
                }
            }
        }
        return millis;
    }

    private static long medianOf(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** An app that opens out.bin under fd 3 (created, truncated) and writes one byte to it n times. */
    private static String writer(int n) {
        return """
                (module
                  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory (export "memory") 1)
                  (data (i32.const 0) "out.bin")
                  (data (i32.const 16) "\\18\\00\\00\\00\\01\\00\\00\\00x")
                  (func (export "_start") (local $fd i32) (local $i i32)
                    ;; oflags creat|trunc, rights fd_write
                    (if (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 7) (i32.const 9)
                          (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 8))
                      (then (call $exit (i32.const 2))))
                    (local.set $fd (i32.load (i32.const 8)))
                    (block $done
                      (loop $again
                        (br_if $done (i32.ge_u (local.get $i) (i32.const %d)))
                        (if (call $write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 40))
                          (then (call $exit (i32.const 3))))
                        (local.set $i (i32.add (local.get $i) (i32.const 1)))
                        (br $again)))
                    (call $exit (i32.const 0))))
                """.formatted(n);
    }

    /** Milliseconds of each of rounds runs after one warm-up, sorted. */
    private static long[] sortedMillis(int rounds, Supplier<Object> run) {
        run.get();
        long[] millis = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            run.get();
            millis[i] = (System.nanoTime() - start) / 1_000_000;
        }
        Arrays.sort(millis);
        return millis;
    }

    private static void report(String what, int rounds, Supplier<Object> run) {
        long[] millis = sortedMillis(rounds, run);
        System.out.printf("  %-48s %6d ms   (min %d, max %d)%n", what, millis[rounds / 2], millis[0], millis[rounds - 1]);
    }


    private static KeepLaunch launch(Path app) {
        return new KeepLaunch(AppModuleLoader.load(app), List.of(app.getFileName().toString()), Map.of(), FileEntry.STANDARD_STREAMS,
                new HostStreams(InputStream.nullInputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream(), false));
    }

    private static Object inProcess(Path app) {
        return expectZero(new NilBackend(line -> {}).run(launch(app)));
    }

    private static Object expectZero(RunResult result) {
        if (!(result instanceof RunResult.Exited exited) || exited.status() != 0) {
            throw new IllegalStateException("the app did not exit with 0: " + result);
        }
        return result;
    }

    private static Object exec(List<String> command, Map<String, String> env) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(env);
            Process process = builder.redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            int status = process.waitFor();
            if (status != 0) {
                throw new IllegalStateException(command.get(0) + " exited with " + status);
            }
            return status;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
