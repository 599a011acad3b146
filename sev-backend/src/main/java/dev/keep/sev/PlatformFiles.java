package dev.keep.sev;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The host's /proc, /sys and /dev as seen from a root directory: "/" on the real system, a
 * temporary tree with real-format contents in tests. Absolute host paths such as
 * {@code /dev/sev} are resolved under the root.
 */
public final class PlatformFiles {

    /** The result of reading one file: its text, or why there is none. */
    public sealed interface Read permits Text, Missing, Unreadable {
    }

    public record Text(String text) implements Read {
    }

    public record Missing() implements Read {
    }

    public record Unreadable(String reason) implements Read {
    }

    private final Path root;

    private PlatformFiles(Path root) {
        this.root = root;
    }

    public static PlatformFiles host() {
        return new PlatformFiles(Path.of("/"));
    }

    public static PlatformFiles rootedAt(Path root) {
        return new PlatformFiles(root.toAbsolutePath());
    }

    /** Maps an absolute host path into this root. */
    public Path resolve(String absolutePath) {
        if (!absolutePath.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + absolutePath);
        }
        return root.resolve(absolutePath.substring(1));
    }

    public boolean exists(String absolutePath) {
        return Files.exists(resolve(absolutePath));
    }

    public Read read(String absolutePath) {
        Path path = resolve(absolutePath);
        try {
            return new Text(Files.readString(path, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return new Missing();
        } catch (IOException | RuntimeException e) {
            return new Unreadable(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
    }
}
