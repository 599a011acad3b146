package dev.keep.loader.wasi.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ordinary use of a read-write preopened directory on real files, and guest-path validation. */
class HostDirectoryTest {

    @TempDir
    Path root;

    private HostDirectory open() throws FsException {
        return HostDirectory.open(root, HostDirectory.Access.READ_WRITE);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void createsWritesAndReadsBackAFile() throws Exception {
        try (HostDirectory dir = open();
                HostFile file = dir.openFile("hello.txt", FileAccess.READ_WRITE,
                        EnumSet.of(OpenOption.CREATE, OpenOption.EXCLUSIVE), 0640)) {
            assertEquals(11, file.write(bytes("hello world")));
            assertEquals(5, file.pwrite(bytes("HELLO"), 0));
            byte[] buffer = new byte[5];
            assertEquals(5, file.pread(buffer, 6));
            assertEquals("world", new String(buffer, StandardCharsets.UTF_8));
            FileStat stat = file.stat();
            assertEquals(FileType.REGULAR_FILE, stat.type());
            assertEquals(11, stat.size());
            assertEquals(0640, stat.mode() & 0777);
        }
        assertEquals("HELLO world", Files.readString(root.resolve("hello.txt")));
    }

    @Test
    void readsAnExistingFileSequentiallyAndTruncatesOnRequest() throws Exception {
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/data"), "0123456789");
        try (HostDirectory dir = open()) {
            try (HostFile file = dir.openFile("a/./b/../b/data", FileAccess.READ, Set.of(), 0)) {
                byte[] first = new byte[4];
                assertEquals(4, file.read(first));
                byte[] rest = new byte[100];
                assertEquals(6, file.read(rest));
                assertEquals(0, file.read(rest), "end of file");
                assertEquals("0123", new String(first, StandardCharsets.UTF_8));
                FsException e = assertThrows(FsException.class, () -> file.write(bytes("x")));
                assertEquals(WasiErrno.BADF, e.wasiErrno(), "opened read-only at the kernel");
            }
            try (HostFile file = dir.openFile("a/b/data", FileAccess.WRITE,
                    EnumSet.of(OpenOption.TRUNCATE), 0)) {
                assertEquals(0, file.stat().size());
            }
            FsException exists = assertThrows(FsException.class, () -> dir.openFile("a/b/data",
                    FileAccess.WRITE, EnumSet.of(OpenOption.CREATE, OpenOption.EXCLUSIVE), 0600));
            assertEquals(WasiErrno.EXIST, exists.wasiErrno());
            FsException missing = assertThrows(FsException.class,
                    () -> dir.openFile("a/nothing", FileAccess.READ, Set.of(), 0));
            assertEquals(WasiErrno.NOENT, missing.wasiErrno());
            assertTrue(missing.getMessage().contains("'a/nothing'"), missing.getMessage());
        }
    }

    @Test
    void createsRenamesAndRemovesEntries() throws Exception {
        try (HostDirectory dir = open()) {
            dir.createDirectory("sub", 0755);
            dir.createDirectory("sub/inner/", 0755);
            assertTrue(Files.isDirectory(root.resolve("sub/inner")));
            try (HostFile file = dir.openFile("sub/f", FileAccess.WRITE,
                    EnumSet.of(OpenOption.CREATE), 0600)) {
                file.write(bytes("content"));
            }
            dir.rename("sub/f", "sub/inner/g");
            assertEquals("content", Files.readString(root.resolve("sub/inner/g")));
            assertFalse(Files.exists(root.resolve("sub/f")));

            FsException notEmpty = assertThrows(FsException.class,
                    () -> dir.removeDirectory("sub/inner"));
            assertEquals(WasiErrno.NOTEMPTY, notEmpty.wasiErrno());
            FsException isDir = assertThrows(FsException.class, () -> dir.removeFile("sub/inner"));
            assertEquals(WasiErrno.ISDIR, isDir.wasiErrno());
            FsException exists = assertThrows(FsException.class,
                    () -> dir.createDirectory("sub", 0755));
            assertEquals(WasiErrno.EXIST, exists.wasiErrno());

            dir.removeFile("sub/inner/g");
            dir.removeDirectory("sub/inner");
            dir.removeDirectory("sub");
            assertFalse(Files.exists(root.resolve("sub")));
        }
    }

    @Test
    void relativeSymlinksInsideWorkAndStatCanStopAtTheLink() throws Exception {
        Files.createDirectories(root.resolve("real"));
        Files.writeString(root.resolve("real/file"), "inside");
        try (HostDirectory dir = open()) {
            dir.symlink("real", "alias");
            assertEquals("real", dir.readlink("alias"));
            try (HostFile file = dir.openFile("alias/file", FileAccess.READ, Set.of(), 0)) {
                byte[] buffer = new byte[6];
                file.read(buffer);
                assertEquals("inside", new String(buffer, StandardCharsets.UTF_8));
            }
            assertEquals(FileType.SYMBOLIC_LINK, dir.stat("alias", false).type());
            assertEquals(FileType.DIRECTORY, dir.stat("alias", true).type());
            FsException noFollow = assertThrows(FsException.class, () -> dir.openFile("alias",
                    FileAccess.READ, EnumSet.of(OpenOption.NO_FOLLOW), 0));
            assertEquals(WasiErrno.LOOP, noFollow.wasiErrno());
            FsException absolute = assertThrows(FsException.class,
                    () -> dir.symlink("/etc", "out"));
            assertEquals(WasiErrno.NOTCAPABLE, absolute.wasiErrno());
            assertFalse(Files.exists(root.resolve("out"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
    }

    @Test
    void aSubdirectoryOpensAsANarrowerJail() throws Exception {
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/top"), "a's file");
        try (HostDirectory dir = open(); HostDirectory sub = dir.openDirectory("a/b")) {
            assertEquals(FileType.DIRECTORY, sub.stat().type());
            try (HostFile file = sub.openFile("new", FileAccess.WRITE,
                    EnumSet.of(OpenOption.CREATE), 0600)) {
                file.write(bytes("x"));
            }
            assertTrue(Files.exists(root.resolve("a/b/new")));
            FsException up = assertThrows(FsException.class,
                    () -> sub.openFile("../top", FileAccess.READ, Set.of(), 0));
            assertEquals(WasiErrno.NOTCAPABLE, up.wasiErrno());
            FsException notDir = assertThrows(FsException.class, () -> dir.openDirectory("a/top"));
            assertEquals(WasiErrno.NOTDIR, notDir.wasiErrno());
        }
    }

    @Test
    void badGuestPathsAreRefusedWithClearErrors() throws Exception {
        try (HostDirectory dir = open()) {
            FsException nul = assertThrows(FsException.class,
                    () -> dir.openFile("a\0b", FileAccess.READ, Set.of(), 0));
            assertEquals(WasiErrno.INVAL, nul.wasiErrno());
            assertEquals("path contains a NUL byte", nul.getMessage());

            FsException absolute = assertThrows(FsException.class,
                    () -> dir.openFile("/etc/passwd", FileAccess.READ, Set.of(), 0));
            assertEquals(WasiErrno.NOTCAPABLE, absolute.wasiErrno());
            assertFalse(absolute.getMessage().contains("\n"));

            FsException empty = assertThrows(FsException.class, () -> dir.stat("", true));
            assertEquals(WasiErrno.NOENT, empty.wasiErrno());

            FsException tooLong = assertThrows(FsException.class,
                    () -> dir.openFile("a/".repeat(2048), FileAccess.READ, Set.of(), 0));
            assertEquals(WasiErrno.NAMETOOLONG, tooLong.wasiErrno());
            assertTrue(tooLong.getMessage().length() < 200, tooLong.getMessage());

            FsException longName = assertThrows(FsException.class,
                    () -> dir.createDirectory("n".repeat(300), 0755));
            assertEquals(WasiErrno.NAMETOOLONG, longName.wasiErrno());

            FsException surrogate = assertThrows(FsException.class,
                    () -> dir.createDirectory("bad\uD800", 0755));
            assertEquals(WasiErrno.ILSEQ, surrogate.wasiErrno());

            FsException dot = assertThrows(FsException.class, () -> dir.removeDirectory("."));
            assertEquals(WasiErrno.INVAL, dot.wasiErrno());
        }
        try (var listing = Files.list(root)) {
            assertEquals(0, listing.count(), "nothing was created by the refused calls");
        }
    }

    @Test
    void closedHandlesAnswerBadf() throws Exception {
        Files.writeString(root.resolve("f"), "x");
        HostDirectory dir = open();
        HostFile file = dir.openFile("f", FileAccess.READ, Set.of(), 0);
        file.close();
        dir.close();
        dir.close();
        assertEquals(WasiErrno.BADF, assertThrows(FsException.class,
                () -> file.read(new byte[1])).wasiErrno());
        assertEquals(WasiErrno.BADF, assertThrows(FsException.class,
                () -> dir.stat("f", true)).wasiErrno());
    }

    @Test
    void aMissingHostDirectoryIsOneLineError() {
        FsException e = assertThrows(FsException.class, () -> HostDirectory.open(
                root.resolve("absent"), HostDirectory.Access.READ_ONLY));
        assertEquals(WasiErrno.NOENT, e.wasiErrno());
        assertTrue(e.getMessage().contains("absent") && !e.getMessage().contains("\n"),
                e.getMessage());
    }

    @Test
    void wasiErrnoCodesFollowTheWitxNumbering() {
        // Values from wasi_snapshot_preview1 typenames.witx (the enum's declaration order).
        assertEquals(0, WasiErrno.SUCCESS.code());
        assertEquals(8, WasiErrno.BADF.code());
        assertEquals(20, WasiErrno.EXIST.code());
        assertEquals(28, WasiErrno.INVAL.code());
        assertEquals(32, WasiErrno.LOOP.code());
        assertEquals(44, WasiErrno.NOENT.code());
        assertEquals(54, WasiErrno.NOTDIR.code());
        assertEquals(63, WasiErrno.PERM.code());
        assertEquals(69, WasiErrno.ROFS.code());
        assertEquals(75, WasiErrno.XDEV.code());
        assertEquals(76, WasiErrno.NOTCAPABLE.code());
        assertEquals(77, WasiErrno.values().length);
        assertEquals(WasiErrno.NOTCAPABLE,
                ErrnoMapping.toWasi(FsConstants.EXDEV, ErrnoMapping.Context.PATH_RESOLUTION));
        assertEquals(WasiErrno.XDEV,
                ErrnoMapping.toWasi(FsConstants.EXDEV, ErrnoMapping.Context.OPERATION));
        assertEquals(WasiErrno.IO, ErrnoMapping.toWasi(4095, ErrnoMapping.Context.OPERATION));
    }

    @Test
    void nativeMemorySegmentsAreReadAndWrittenInPlace() throws Exception {
        try (HostDirectory dir = open();
                HostFile file = dir.openFile("seg", FileAccess.READ_WRITE,
                        EnumSet.of(OpenOption.CREATE), 0600);
                java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment out = arena.allocateFrom("segment data");
            assertEquals(out.byteSize(), file.pwrite(out, 0));
            java.lang.foreign.MemorySegment in = arena.allocate(out.byteSize());
            assertEquals(out.byteSize(), file.pread(in, 0));
            assertArrayEquals(out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE),
                    in.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
    }

    /** The listing names the directory the jail holds, even after its host path moved away. */
    @Test
    void listsTheJailedDirectoryEvenAfterItsHostPathMoved() throws Exception {
        Files.createDirectories(root.resolve("jail/sub"));
        Files.writeString(root.resolve("jail/b.txt"), "b");
        Files.writeString(root.resolve("jail/a.txt"), "a");
        Files.createDirectories(root.resolve("decoy"));
        Files.writeString(root.resolve("decoy/other"), "x");
        try (HostDirectory dir = HostDirectory.open(root.resolve("jail"),
                HostDirectory.Access.READ_ONLY)) {
            assertEquals(java.util.List.of("a.txt", "b.txt", "sub"), dir.list());
            Files.move(root.resolve("jail"), root.resolve("moved"));
            Files.move(root.resolve("decoy"), root.resolve("jail"));
            assertEquals(java.util.List.of("a.txt", "b.txt", "sub"), dir.list());
            try (HostDirectory sub = dir.openDirectory("sub")) {
                assertEquals(java.util.List.of(), sub.list());
            }
        }
    }

    @Test
    void syncFlushesAnOpenFileAndAClosedOneAnswersBadf() throws Exception {
        try (HostDirectory dir = open()) {
            HostFile file = dir.openFile("s.txt", FileAccess.WRITE, EnumSet.of(OpenOption.CREATE), 0600);
            file.write(bytes("durable"));
            file.sync(false);
            file.sync(true);
            file.close();
            FsException closed = org.junit.jupiter.api.Assertions.assertThrows(FsException.class,
                    () -> file.sync(false));
            assertEquals(WasiErrno.BADF, closed.wasiErrno());
        }
        assertEquals("durable", Files.readString(root.resolve("s.txt")));
    }
}
