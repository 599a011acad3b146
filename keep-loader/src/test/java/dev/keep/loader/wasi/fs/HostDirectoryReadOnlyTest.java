package dev.keep.loader.wasi.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** A read-only preopened directory refuses every write with rofs and leaves the tree as it was. */
class HostDirectoryReadOnlyTest {

    @TempDir
    Path root;

    /** Every path with its type and content, to compare the tree before and after. */
    private TreeMap<String, String> snapshot() throws IOException {
        TreeMap<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String key = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    entries.put(key, "link " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    entries.put(key, "dir");
                } else {
                    entries.put(key, "file " + Files.readString(p) + " "
                            + Files.getLastModifiedTime(p).toMillis());
                }
            }
        }
        return entries;
    }

    private static void rofs(Executable call) {
        FsException e = assertThrows(FsException.class, call);
        assertEquals(WasiErrno.ROFS, e.wasiErrno(), e.getMessage());
        assertEquals(0, e.hostErrno(), "refused before any system call");
    }

    @Test
    void everyWriteIsRefusedAndTheTreeIsUnchanged() throws Exception {
        Files.createDirectories(root.resolve("d/empty"));
        Files.writeString(root.resolve("d/file"), "content");
        TreeMap<String, String> before = snapshot();

        try (HostDirectory dir = HostDirectory.open(root, HostDirectory.Access.READ_ONLY);
                HostDirectory sub = dir.openDirectory("d")) {
            rofs(() -> dir.openFile("d/file", FileAccess.WRITE, Set.of(), 0));
            rofs(() -> dir.openFile("d/file", FileAccess.READ_WRITE, Set.of(), 0));
            rofs(() -> dir.openFile("d/new", FileAccess.READ, EnumSet.of(OpenOption.CREATE), 0600));
            rofs(() -> dir.openFile("d/file", FileAccess.READ, EnumSet.of(OpenOption.TRUNCATE), 0));
            rofs(() -> dir.openFile("d/file", FileAccess.READ, EnumSet.of(OpenOption.APPEND), 0));
            rofs(() -> dir.createDirectory("d/made", 0755));
            rofs(() -> dir.removeFile("d/file"));
            rofs(() -> dir.removeDirectory("d/empty"));
            rofs(() -> dir.rename("d/file", "d/renamed"));
            rofs(() -> dir.symlink("file", "d/link"));
            // A directory opened from a read-only one is read-only as well.
            rofs(() -> sub.removeFile("file"));
            rofs(() -> sub.openFile("file", FileAccess.WRITE, Set.of(), 0));
            try (HostDirectory writable = HostDirectory.open(root.resolve("d/empty"),
                    HostDirectory.Access.READ_WRITE)) {
                rofs(() -> dir.rename("d/file", writable, "moved"));
                rofs(() -> writable.rename("x", dir, "d/x"));
            }
            // Reading still works.
            try (HostFile file = dir.openFile("d/file", FileAccess.READ, Set.of(), 0)) {
                byte[] buffer = new byte[7];
                file.read(buffer);
                assertEquals("content", new String(buffer, StandardCharsets.UTF_8));
            }
        }
        assertEquals(before, snapshot());
    }
}
