package dev.keep.loader.wasi.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of path that tries to leave a preopened directory, on a real tree: {@code
 * base/jail} is the preopened directory and {@code base/secret} a file outside it. Each attempt
 * must fail with the expected WASI errno and leave the outside untouched.
 */
class HostDirectoryEscapeTest {

    @TempDir
    Path base;
    private Path jail;

    @BeforeEach
    void tree() throws Exception {
        jail = Files.createDirectory(base.resolve("jail"));
        Files.writeString(base.resolve("secret"), "OUTSIDE");
        Files.createDirectories(jail.resolve("a/b"));
        Files.writeString(jail.resolve("a/inside"), "INSIDE");
        Files.createSymbolicLink(jail.resolve("etc"), Path.of("/etc"));
        Files.createSymbolicLink(jail.resolve("up"), Path.of("../.."));
        Files.createSymbolicLink(jail.resolve("parent"), Path.of(".."));
        Files.createSymbolicLink(jail.resolve("secretlink"), base.resolve("secret"));
        Files.createSymbolicLink(jail.resolve("relsecret"), Path.of("../secret"));
        Files.createSymbolicLink(jail.resolve("loop1"), Path.of("loop2"));
        Files.createSymbolicLink(jail.resolve("loop2"), Path.of("loop1"));
        Files.createSymbolicLink(jail.resolve("self"), Path.of("self/x"));
        Files.createSymbolicLink(jail.resolve("procroot"), Path.of("/proc/self/root"));
    }

    private static WasiErrno openFails(HostDirectory dir, String path) {
        FsException e = assertThrows(FsException.class,
                () -> dir.openFile(path, FileAccess.READ, Set.of(), 0).close(), path);
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.wasiErrno();
    }

    @Test
    void dotDotOutOfTheJailIsNotCapable() throws Exception {
        try (HostDirectory dir = HostDirectory.open(jail, HostDirectory.Access.READ_WRITE)) {
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "../secret"));
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "a/../../secret"));
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "a/b/../../../secret"));
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, ".."));
            // Going up and back down inside is fine.
            dir.openFile("a/b/../inside", FileAccess.READ, Set.of(), 0).close();
        }
    }

    @Test
    void absolutePathsAreRefused() throws Exception {
        try (HostDirectory dir = HostDirectory.open(jail, HostDirectory.Access.READ_WRITE)) {
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "/etc/passwd"));
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, base.resolve("secret").toString()));
        }
    }

    @Test
    void symlinksPointingOutAreNotFollowed() throws Exception {
        try (HostDirectory dir = HostDirectory.open(jail, HostDirectory.Access.READ_WRITE)) {
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "etc/passwd"), "absolute symlink dir");
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "up/secret"), "relative up -> ../..");
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "parent/secret"));
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "secretlink"), "absolute file link");
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "relsecret"), "relative file link");
            assertEquals(WasiErrno.NOTCAPABLE, openFails(dir, "procroot/etc/passwd"));
            FsException stat = assertThrows(FsException.class, () -> dir.stat("etc", true));
            assertEquals(WasiErrno.NOTCAPABLE, stat.wasiErrno());
            // Without following, the link itself (inside the jail) may be looked at.
            assertEquals(FileType.SYMBOLIC_LINK, dir.stat("etc", false).type());
        }
    }

    @Test
    void symlinkLoopsAreLoop() throws Exception {
        try (HostDirectory dir = HostDirectory.open(jail, HostDirectory.Access.READ_WRITE)) {
            assertEquals(WasiErrno.LOOP, openFails(dir, "loop1"));
            assertEquals(WasiErrno.LOOP, openFails(dir, "loop2/x"));
            assertEquals(WasiErrno.LOOP, openFails(dir, "self"));
        }
    }

    @Test
    void magicLinksOfProcAreRefusedEvenInsideAProcJail() throws Exception {
        // A preopened /proc/self holds magic links (root, cwd, exe, fd/N) that would jump
        // anywhere; RESOLVE_NO_MAGICLINKS makes the kernel refuse to traverse them.
        try (HostDirectory proc = HostDirectory.open(Path.of("/proc/self"),
                HostDirectory.Access.READ_ONLY)) {
            assertEquals(WasiErrno.LOOP, openFails(proc, "root/etc/passwd"));
            assertEquals(WasiErrno.LOOP, openFails(proc, "cwd"));
            assertEquals(WasiErrno.LOOP, openFails(proc, "fd/0"));
            // Ordinary files of the jail still open.
            proc.openFile("status", FileAccess.READ, Set.of(), 0).close();
        }
    }

    @Test
    void mountCrossingsAreRefusedWhenAskedTo() throws Exception {
        // /proc is a separate mount below /: with Mounts.STAY the kernel refuses to enter it.
        try (HostDirectory rootStay = HostDirectory.open(Path.of("/"),
                HostDirectory.Access.READ_ONLY, HostDirectory.Mounts.STAY);
                HostDirectory rootCross = HostDirectory.open(Path.of("/"),
                        HostDirectory.Access.READ_ONLY)) {
            assertEquals(WasiErrno.NOTCAPABLE, openFails(rootStay, "proc/self/status"));
            rootCross.openFile("proc/self/status", FileAccess.READ, Set.of(), 0).close();
        }
    }

    @Test
    void treeChangingCallsCannotReachOutside() throws Exception {
        try (HostDirectory dir = HostDirectory.open(jail, HostDirectory.Access.READ_WRITE)) {
            assertEquals(WasiErrno.NOTCAPABLE, assertThrows(FsException.class,
                    () -> dir.createDirectory("../made", 0755)).wasiErrno());
            assertEquals(WasiErrno.NOTCAPABLE, assertThrows(FsException.class,
                    () -> dir.createDirectory("up/made", 0755)).wasiErrno());
            assertEquals(WasiErrno.NOTCAPABLE, assertThrows(FsException.class,
                    () -> dir.removeFile("../secret")).wasiErrno());
            assertEquals(WasiErrno.NOTCAPABLE, assertThrows(FsException.class,
                    () -> dir.removeFile("parent/secret")).wasiErrno());
            assertEquals(WasiErrno.NOTCAPABLE, assertThrows(FsException.class,
                    () -> dir.rename("a/inside", "../stolen")).wasiErrno());
            assertEquals(WasiErrno.NOTCAPABLE, assertThrows(FsException.class,
                    () -> dir.rename("up/secret", "a/stolen")).wasiErrno());
            assertEquals(WasiErrno.NOTCAPABLE, assertThrows(FsException.class,
                    () -> dir.removeDirectory("a/../..")).wasiErrno());
            assertEquals(WasiErrno.NOTCAPABLE, assertThrows(FsException.class,
                    () -> dir.openFile("etc/keep-test", FileAccess.WRITE,
                            EnumSet.of(OpenOption.CREATE), 0600)).wasiErrno());
            // The last component is never followed: unlinking the link removes the link only.
            dir.removeFile("secretlink");
            assertFalse(Files.exists(jail.resolve("secretlink"), LinkOption.NOFOLLOW_LINKS));
        }
        assertEquals("OUTSIDE", Files.readString(base.resolve("secret")));
        assertFalse(Files.exists(base.resolve("made")));
        assertFalse(Files.exists(base.resolve("stolen")));
        assertTrue(Files.exists(jail.resolve("a/inside")));
    }
}
