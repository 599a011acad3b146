package dev.keep.loader.cli;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.run.HostStreams;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the real {@code keep} command line in this JVM with captured streams. */
final class CliRun {
    /** What one invocation printed and returned. */
    record Result(int exit, String out, String err) {
        /** Keep's own messages must never be a Java stack trace. */
        boolean hasStackTrace() {
            return err.contains("\tat ") || err.contains("Exception in thread") || err.matches("(?s).*\\n\\s+at [a-z].*");
        }
    }

    private CliRun() {}

    static Result keep(String... args) {
        return keepWithStdin("", args);
    }

    static Result keepWithStdin(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int exit = KeepCli.create(new HostStreams(in, out, err, false)).execute(args);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Assembles test app {@code name}.wat from the test resources into {@code dir}/{@code name}.wasm. */
    static Path app(Path dir, String name) {
        try (InputStream wat = CliRun.class.getResourceAsStream("/apps/" + name + ".wat")) {
            if (wat == null) {
                throw new IllegalArgumentException("no test app " + name);
            }
            Path watFile = dir.resolve(name + ".wat");
            Files.write(watFile, wat.readAllBytes());
            Path wasm = dir.resolve(name + ".wasm");
            Files.write(wasm, Wat2Wasm.parse(watFile.toFile()));
            return wasm;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
