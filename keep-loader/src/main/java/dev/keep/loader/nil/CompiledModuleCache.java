package dev.keep.loader.nil;

import com.dylibso.chicory.compiler.Cache;
import dev.keep.loader.CacheFiles;
import dev.keep.loader.KeepCacheDir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Keeps the JVM classes that Chicory's compiler generates for a module on disk, so that running the
 * same app again skips bytecode generation. Chicory names each entry by a key derived from the
 * module's contents; files are named by the SHA-256 of that key and written atomically, so a reader
 * never sees half an entry and concurrent runs of the same app are harmless.
 */
final class CompiledModuleCache implements Cache {
    private final Path dir;

    private CompiledModuleCache(Path dir) {
        this.dir = dir;
    }

    /**
     * The per-user cache folder ({@link KeepCacheDir}) with {@code chicory/} appended; empty when it
     * cannot be created.
     */
    static Optional<CompiledModuleCache> forUser() {
        return in(KeepCacheDir.base().resolve("chicory"));
    }

    /** A cache in {@code dir}, created when missing; empty when it cannot be created. */
    static Optional<CompiledModuleCache> in(Path dir) {
        try {
            return Optional.of(new CompiledModuleCache(Files.createDirectories(dir)));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    @Override
    public byte[] get(String key) throws IOException {
        return CacheFiles.read(file(key)).orElse(null);
    }

    @Override
    public void putIfAbsent(String key, byte[] data) throws IOException {
        Path target = file(key);
        if (!Files.exists(target)) {
            CacheFiles.write(target, data);
        }
    }

    private Path file(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(digest) + ".bin");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
