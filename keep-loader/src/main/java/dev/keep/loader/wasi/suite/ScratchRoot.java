package dev.keep.loader.wasi.suite;

import dev.keep.loader.KeepException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A fresh, writable copy of a test's {@code root} directory, which the test may change at will: the
 * suite itself (shared, read-only test data) is never written. The copy leaves out the
 * {@code *.cleanup} artifacts that the spec says to remove before a run, and is deleted on close.
 */
final class ScratchRoot implements AutoCloseable {
    private final Path tempDir;
    private final Path root;

    private ScratchRoot(Path tempDir, Path root) {
        this.tempDir = tempDir;
        this.root = root;
    }

    /** Copies {@code source} (a directory) into a new temporary directory. */
    static ScratchRoot copyOf(Path source) {
        if (!Files.isDirectory(source)) {
            throw new KeepException("root " + source + " is not a directory");
        }
        Path tempDir = null;
        try {
            tempDir = Files.createTempDirectory("keep-wasi-suite-");
            Path root = tempDir.resolve("root");
            copyTree(source, root);
            return new ScratchRoot(tempDir, root);
        } catch (IOException e) {
            if (tempDir != null) {
                deleteTree(tempDir);
            }
            throw new KeepException("cannot copy root " + source + " to a scratch directory: " + e.getMessage());
        }
    }

    /** The copy, to preopen as the guest's {@code /}. */
    Path root() {
        return root;
    }

    @Override
    public void close() {
        deleteTree(tempDir);
    }

    /**
     * Copies contents only, not permissions: the suite's files are read-only where it is stored, and
     * tests write to them. Symbolic links are copied as links, never followed.
     */
    private static void copyTree(Path source, Path target) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(source) && isCleanupArtifact(dir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectory(target.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (isCleanupArtifact(file)) {
                    return FileVisitResult.CONTINUE;
                }
                Path copy = target.resolve(source.relativize(file).toString());
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(copy, Files.readSymbolicLink(file));
                } else if (attrs.isRegularFile()) {
                    try (InputStream in = Files.newInputStream(file)) {
                        Files.copy(in, copy);
                    }
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static boolean isCleanupArtifact(Path path) {
        return path.getFileName().toString().endsWith(".cleanup");
    }

    /** Best effort: a file the test left unremovable stays in the temporary directory. */
    private static void deleteTree(Path dir) {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    deleteQuietly(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    deleteQuietly(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) {
                    deleteQuietly(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException ignored) {
            // Nothing more to do: it is a temporary directory.
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Left for the system's temporary-file cleaning.
        }
    }
}
