package dev.keep.loader.wast;

import com.dylibso.chicory.wabt.Wast2Json;
import com.dylibso.chicory.wasi.WasiExitException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keep.loader.KeepException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A .wast file converted by wabt's wast2json (Chicory's build of it) into a folder of .wasm modules
 * and a JSON list of commands. Closing deletes the folder.
 */
final class WastConversion implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final JsonNode commands;

    private WastConversion(Path dir, JsonNode commands) {
        this.dir = dir;
        this.commands = commands;
    }

    static WastConversion of(Path wast) {
        if (!Files.isRegularFile(wast)) {
            throw new KeepException(wast + (Files.exists(wast) ? ": not a regular file" : ": no such file"));
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("keep-wast-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Path json = dir.resolve("commands.json");
            Wast2Json.builder().withFile(wast.toFile()).withOutput(json.toFile()).build().process();
            JsonNode root = Files.exists(json) ? JSON.readTree(json.toFile()) : null;
            if (root == null || !root.path("commands").isArray()) {
                throw new KeepException(wast + ": wast2json produced no command list");
            }
            return new WastConversion(dir, root.get("commands"));
        } catch (KeepException e) {
            delete(dir);
            throw e;
        } catch (WasiExitException e) {
            delete(dir);
            // wast2json runs as a WASI program whose own messages Chicory's wabt does not hand back.
            throw new KeepException(wast + ": not a valid .wast script: wast2json rejected it (exit status "
                    + e.exitCode() + "): a syntax error, or a command this wabt version does not know", e);
        } catch (IOException | RuntimeException e) {
            delete(dir);
            throw new KeepException(wast + ": not a valid .wast script: " + oneLine(e), e);
        }
    }

    JsonNode commands() {
        return commands;
    }

    /** A module file named by a command. */
    Path module(String filename) {
        Path file = dir.resolve(filename).normalize();
        if (!file.startsWith(dir)) {
            throw new KeepException("module file " + filename + " is outside the conversion folder");
        }
        return file;
    }

    @Override
    public void close() {
        delete(dir);
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String first = message.strip().lines().findFirst().orElse(message);
        return first.length() > 300 ? first.substring(0, 300) + "..." : first;
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // A temporary folder left behind is harmless; the run's result does not depend on it.
        }
    }
}
