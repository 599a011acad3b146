package dev.keep.kvm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Where the host's /dev, /proc and /sys are read from. The real host is {@link #system()};
 * tests point {@link #at(Path)} at a directory tree laid out like the real one, so the probe's
 * parsing of real-format files is exercised without changing the machine.
 */
public final class HostRoot {

    private final Path root;

    private HostRoot(Path root) {
        this.root = root;
    }

    /** The running system: absolute paths are used as they are. */
    public static HostRoot system() {
        return new HostRoot(Path.of("/"));
    }

    /** A tree whose {@code dev/kvm}, {@code proc/cpuinfo}, {@code sys/module/...} stand in. */
    public static HostRoot at(Path root) {
        return new HostRoot(root.toAbsolutePath());
    }

    /** Maps an absolute host path such as {@code /dev/kvm} into this root. */
    public Path resolve(String absolutePath) {
        if (!absolutePath.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + absolutePath);
        }
        return root.resolve(absolutePath.substring(1));
    }

    boolean exists(String absolutePath) {
        return Files.exists(resolve(absolutePath));
    }

    /** The file's text, or empty when it is missing or unreadable (probing never fails). */
    Optional<String> readText(String absolutePath) {
        try {
            return Optional.of(Files.readString(resolve(absolutePath), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A gzip-compressed file's text (e.g. /proc/config.gz), or empty. */
    Optional<String> readGzipText(String absolutePath) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(resolve(absolutePath)))) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "HostRoot[" + root + "]";
    }
}
