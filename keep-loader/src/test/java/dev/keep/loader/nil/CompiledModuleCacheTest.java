package dev.keep.loader.nil;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompiledModuleCacheTest {
    @TempDir
    Path dir;

    @Test
    void storesAndReturnsEntriesByKey() throws IOException {
        CompiledModuleCache cache = CompiledModuleCache.in(dir.resolve("chicory")).orElseThrow();
        assertNull(cache.get("module-a"));
        cache.putIfAbsent("module-a", new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, cache.get("module-a"));
        assertNull(cache.get("module-b"));
    }

    @Test
    void firstEntryForAKeyStaysAndNoTemporaryFilesRemain() throws IOException {
        CompiledModuleCache cache = CompiledModuleCache.in(dir).orElseThrow();
        cache.putIfAbsent("k", new byte[] {1});
        cache.putIfAbsent("k", new byte[] {2});
        assertArrayEquals(new byte[] {1}, cache.get("k"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.filter(f -> f.toString().endsWith(".bin")).count());
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.toString().endsWith(".tmp")));
        }
    }

    @Test
    void unusableFolderMeansNoCache() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertTrue(CompiledModuleCache.in(file.resolve("sub")).isEmpty());
    }

    @Test
    void testsKeepTheCacheInsideTheBuild() {
        // Surefire sets KEEP_CACHE_DIR so that runs in tests never write to the user's home.
        String configured = System.getenv("KEEP_CACHE_DIR");
        assertTrue(configured != null && configured.contains("target"), String.valueOf(configured));
    }
}
