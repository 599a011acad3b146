package dev.keep.loader.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One {@code [[files]]} entry of Keep.toml: what a file descriptor of the app is bound to. The
 * position in the list is the fd number, as in Enarx.toml.
 */
public sealed interface FileEntry {
    /** The optional {@code name} key, which lets an app find an fd by name. */
    Optional<String> name();

    /** The {@code kind} value as written in Keep.toml. */
    String kind();

    /** fd bound to the host's standard input. */
    record Stdin(Optional<String> name) implements FileEntry {
        public String kind() { return "stdin"; }
    }

    /** fd bound to the host's standard output. */
    record Stdout(Optional<String> name) implements FileEntry {
        public String kind() { return "stdout"; }
    }

    /** fd bound to the host's standard error. */
    record Stderr(Optional<String> name) implements FileEntry {
        public String kind() { return "stderr"; }
    }

    /** fd that reads as empty and discards writes. */
    record Null(Optional<String> name) implements FileEntry {
        public String kind() { return "null"; }
    }

    /**
     * A host directory preopened at a guest path.
     *
     * @param host absolute, normalised host path (relative paths were resolved against Keep.toml's folder)
     * @param guest the path the app sees, e.g. {@code /data}
     * @param readOnly whether every write through this directory is refused
     */
    record Dir(Optional<String> name, Path host, String guest, boolean readOnly) implements FileEntry {
        public String kind() { return "dir"; }
    }

    /** A TCP socket listening on {@code addr:port}, handed to the app as an already-bound fd. */
    record Listen(Optional<String> name, String addr, int port) implements FileEntry {
        public String kind() { return "listen"; }
    }

    /** A TCP connection to {@code addr:port}, opened for the app at start. */
    record Connect(Optional<String> name, String addr, int port) implements FileEntry {
        public String kind() { return "connect"; }
    }

    /** fd 0, 1, 2 bound to the host's standard streams: the default when Keep.toml names no files. */
    List<FileEntry> STANDARD_STREAMS = List.of(
            new Stdin(Optional.empty()), new Stdout(Optional.empty()), new Stderr(Optional.empty()));
}
