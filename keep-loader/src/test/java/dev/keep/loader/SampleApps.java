package dev.keep.loader;

import com.dylibso.chicory.wabt.Wat2Wasm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The samples' apps for keep-loader's tests, assembled here from their .wat sources: the samples
 * module, which builds the .wasm files, comes after keep-loader in the reactor, so on a fresh clone
 * they do not exist yet when these tests run.
 */
public final class SampleApps {
    private SampleApps() {}

    /** samples/hello assembled into {@code dir/hello.wasm}. */
    public static Path hello(Path dir) throws IOException {
        return assemble(dir, "hello");
    }

    /** samples/fib assembled into {@code dir/fib.wasm}. */
    public static Path fib(Path dir) throws IOException {
        return assemble(dir, "fib");
    }

    /**
     * Every sample's module: those written in WAT assembled into {@code dir}, the others (built
     * from C by their own script) as checked in.
     */
    public static java.util.List<Path> all(Path dir) throws IOException {
        java.util.List<Path> modules = new java.util.ArrayList<>();
        try (var samples = Files.list(root().resolve("samples"))) {
            for (Path sample : samples.filter(Files::isDirectory).sorted().toList()) {
                String name = sample.getFileName().toString();
                if (Files.isRegularFile(sample.resolve(name + ".wat"))) {
                    modules.add(assemble(dir, name));
                } else if (Files.isRegularFile(sample.resolve(name + ".wasm"))) {
                    modules.add(sample.resolve(name + ".wasm"));
                }
            }
        }
        return modules;
    }

    private static Path assemble(Path dir, String sample) throws IOException {
        Path wat = root().resolve("samples/" + sample + "/" + sample + ".wat");
        return Files.write(dir.resolve(sample + ".wasm"), Wat2Wasm.parse(wat.toFile()));
    }

    private static Path root() {
        return Path.of(System.getProperty("keep.projectRoot"));
    }
}
