package dev.keep.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Entry point of the benchmark (not a test). Modes:
 * <ul>
 *   <li>{@code compile WASI_TESTSUITE_DIR}: compile speed, see {@link CompileBench}</li>
 *   <li>{@code run BUILD_DIR NODE_RUNNER [quick]}: run speed of the C programs, see {@link RunBench}</li>
 *   <li>{@code once ENGINE FILE.wasm UNITS}: load and run once, print the checksum and the load and
 *       run times (used by RunBench to time a whole JVM process)</li>
 * </ul>
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("usage: BenchMain compile DIR | run BUILD_DIR NODE_RUNNER [quick] | once ENGINE FILE UNITS");
            System.exit(2);
        }
        switch (args[0]) {
            case "compile" -> CompileBench.run(Path.of(args[1]));
            case "run" -> new RunBench(Path.of(args[1]), Path.of(args[2]), args.length > 3 && args[3].equals("quick")).run();
            case "once" -> {
                // prints: checksum, ms to parse + compile + instantiate, ms of the run() call
                Engine engine = RunBench.engine(args[1]);
                byte[] wasm = Files.readAllBytes(Path.of(args[2]));
                long start = System.nanoTime();
                try (Engine.Loaded loaded = engine.load(wasm)) {
                    long loadedAt = System.nanoTime();
                    long result = loaded.run(Integer.parseInt(args[3]));
                    long end = System.nanoTime();
                    System.out.printf("%d %.1f %.1f%n", result, (loadedAt - start) / 1e6, (end - loadedAt) / 1e6);
                }
            }
            default -> {
                System.err.println("unknown mode " + args[0]);
                System.exit(2);
            }
        }
    }
}
