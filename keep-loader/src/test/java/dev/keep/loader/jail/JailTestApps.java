package dev.keep.loader.jail;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.cli.KeepCli;
import dev.keep.loader.run.HostStreams;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test apps for the jail tests, and the real {@code keep} command line with captured streams. */
final class JailTestApps {
    record Result(int exit, String out, String err) {}

    private JailTestApps() {}

    /** Assembles {@code resource} (a .wat under the test resources) into {@code dir}. */
    static Path assemble(Path dir, String resource) {
        try (InputStream wat = JailTestApps.class.getResourceAsStream(resource)) {
            if (wat == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            String name = Path.of(resource).getFileName().toString().replace(".wat", "");
            Path watFile = dir.resolve(name + ".wat");
            Files.write(watFile, wat.readAllBytes());
            Path wasm = dir.resolve(name + ".wasm");
            Files.write(wasm, Wat2Wasm.parse(watFile.toFile()));
            return wasm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Result keep(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int exit = KeepCli.create(new HostStreams(in, out, err, false)).execute(args);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
