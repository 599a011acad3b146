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

/** Runs the real {@code keep} command line in this JVM with captured streams, and builds test apps. */
public final class CliRun {
    /** What one invocation printed and returned. */
    public record Result(int exit, String out, String err) {
        /** Keep's own messages must never be a Java stack trace. */
        public boolean hasStackTrace() {
            return err.contains("\tat ") || err.contains("Exception in thread") || err.matches("(?s).*\\n\\s+at [a-z].*");
        }
    }

    private CliRun() {}

    public static Result keep(String... args) {
        return keepWithStdin("", args);
    }

    public static Result keepWithStdin(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        int exit = KeepCli.create(new HostStreams(in, out, err, false)).execute(args);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Assembles test app {@code name}.wat from the test resources' apps folder into {@code dir}/{@code name}.wasm. */
    public static Path app(Path dir, String name) {
        return assemble(dir, "/apps/" + name + ".wat");
    }

    /** Assembles {@code resource} (a .wat under the test resources) into a .wasm of the same name in {@code dir}. */
    public static Path assemble(Path dir, String resource) {
        try (InputStream wat = CliRun.class.getResourceAsStream(resource)) {
            if (wat == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            String name = Path.of(resource).getFileName().toString().replaceFirst("\\.wat$", "");
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
