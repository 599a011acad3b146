package dev.keep.loader;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Entries of Keep's caches: each a whole file, written under a temporary name and renamed into
 * place, so a reader never sees half an entry and concurrent writers of the same entry are harmless.
 */
public final class CacheFiles {
    private CacheFiles() {}

    /** The entry's bytes; empty when it does not exist. */
    public static Optional<byte[]> read(Path entry) throws IOException {
        try {
            return Optional.of(Files.readAllBytes(entry));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Writes the entry (replacing any there) through a temporary file in its folder. */
    public static void write(Path entry, byte[] data) throws IOException {
        Path temp = Files.createTempFile(entry.getParent(), "entry", ".tmp");
        try {
            Files.write(temp, data);
            try {
                Files.move(temp, entry, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, entry, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
