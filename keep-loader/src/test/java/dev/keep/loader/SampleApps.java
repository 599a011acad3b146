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
        Path wat = Path.of(System.getProperty("keep.projectRoot")).resolve("samples/hello/hello.wat");
        return Files.write(dir.resolve("hello.wasm"), Wat2Wasm.parse(wat.toFile()));
    }
}
