package dev.keep.loader.jail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The class-data archive that lets a jailed runner's JVM start without loading Keep's classes from
 * its jars one by one (the jar reading, verification and linking is most of a runner's start-up).
 *
 * <p>It lives in the user's cache folder under a name that hashes the JDK and every class-path jar
 * (path, size, modification time), so a rebuilt Keep or another JDK gets an archive of its own. It is
 * made once by a training run that executes only Keep's built-in module in a jail, never an app: an
 * archive is mapped into every later runner, so a hostile app must never get to write one. Class
 * folders cannot be archived (the JVM refuses them), so a class path with a folder (a test run from
 * target/classes) has no archive and runners start as before.
 */
final class RunnerClassArchive {
    private final Path file;

    private RunnerClassArchive(Path file) {
        this.file = file;
    }

    /**
     * The archive in {@code dir} for this JDK and class path; empty when the class path holds anything
     * but jars.
     */
    static Optional<RunnerClassArchive> of(Path dir, Path javaHome, List<Path> classPath) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            update(sha, javaHome.toString());
            update(sha, System.getProperty("java.vm.version"));
            for (Path entry : classPath) {
                if (!Files.isRegularFile(entry) || !entry.getFileName().toString().endsWith(".jar")) {
                    return Optional.empty();
                }
                update(sha, entry + "\0" + Files.size(entry) + "\0" + Files.getLastModifiedTime(entry).toMillis());
            }
            String name = HexFormat.of().formatHex(sha.digest(), 0, 16) + ".jsa";
            return Optional.of(new RunnerClassArchive(dir.resolve(name)));
        } catch (IOException e) {
            return Optional.empty();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    Path file() {
        return file;
    }

    boolean ready() {
        try {
            return Files.isRegularFile(file) && Files.size(file) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** A fresh, private folder for one training run, beside the archive (so adopting it is a rename). */
    Path newTrainingDir() throws IOException {
        Files.createDirectories(file.getParent());
        return Files.createTempDirectory(file.getParent(), "training-");
    }

    /**
     * Takes the archive a training run wrote into {@code trainingDir} as this archive (atomically:
     * concurrent runners see the old state or the whole new file), and deletes the folder.
     *
     * @return whether the training run had written one
     */
    boolean adopt(Path trainingDir) throws IOException {
        Path written = trainingDir.resolve(ArchiveUse.TRAINING_FILE);
        try {
            if (!Files.isRegularFile(written) || Files.size(written) == 0) {
                return false;
            }
            try {
                Files.move(written, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(written, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } finally {
            deleteTree(trainingDir);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void update(MessageDigest sha, String text) {
        sha.update(text.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
    }
}
