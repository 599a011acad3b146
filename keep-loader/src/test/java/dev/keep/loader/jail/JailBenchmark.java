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
 * Start latency and a whole hello run with and without the jail, in one run (not a test: a timed
 * test would be flaky on shared machines). From the repository root, after {@code ./keep --version}
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
        // for --jail the runner's archive): the difference is what the jail costs at start.
        Path keep = Path.of("keep").toAbsolutePath();
        report("keep run (unjailed)", rounds, () -> exec(List.of(keep.toString(), "run", "--backend", "nil", app.toString()), Map.of()));
        report("keep run, without the compiled-module cache", rounds, () -> exec(
                List.of(keep.toString(), "run", "--backend", "nil", app.toString()), Map.of("KEEP_CACHE_DIR", "/proc/keep-benchmark-no-cache")));
        report("keep run --jail", rounds, () -> exec(List.of(keep.toString(), "run", "--jail", app.toString()), Map.of()));
    }

    private static void report(String what, int rounds, Supplier<Object> run) {
        run.get();
        long[] millis = new long[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            run.get();
            millis[i] = (System.nanoTime() - start) / 1_000_000;
        }
        Arrays.sort(millis);
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
