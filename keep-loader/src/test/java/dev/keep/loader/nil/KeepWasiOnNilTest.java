package dev.keep.loader.nil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.loader.ExitCodes;
import dev.keep.loader.cli.CliRun;
import dev.keep.loader.config.KeepTomls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nil backend serves WASI with Keep's own host ({@link KeepWasiFunctions}): WAT apps run
 * through {@code keep run --backend nil} over real directories, on the points where Chicory's
 * WASI, which nil used before, let the app out of its directory or failed it.
 */
class KeepWasiOnNilTest {
    /** Errnos of wasi_snapshot_preview1. */
    private static final int BADF = 8;
    private static final int NOTSOCK = 57;
    private static final int NOTCAPABLE = 76;

    /** Imports, memory and helpers; the body's strings are placed by {@link #app}. */
    private static final String PRELUDE = """
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $fd_fdstat_set_rights (param i32 i64 i64) (result i32)))
              (import "wasi_snapshot_preview1" "sock_shutdown" (func $sock_shutdown (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_raise" (func $proc_raise (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") 1)
              ;; Prints the errno as one digit-string line: value at 200.., iovec at 0, count at 8.
              (func $num (param $n i32)
                (local $p i32)
                (local.set $p (i32.const 232))
                (i32.store8 (i32.const 232) (i32.const 10))
                (loop $d
                  (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                  (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
                  (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
                  (br_if $d (i32.ne (local.get $n) (i32.const 0))))
                (i32.store (i32.const 0) (local.get $p))
                (i32.store (i32.const 4) (i32.sub (i32.const 233) (local.get $p)))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
              ;; Opens path beneath fd 3 following symlinks; the fd lands at 16.
              (func $open (param $p i32) (param $n i32) (param $rights i64) (result i32)
                (call $path_open (i32.const 3) (i32.const 1) (local.get $p) (local.get $n)
                  (i32.const 0) (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 16)))
              (func $read (param $fd i32) (result i32)
                (i32.store (i32.const 32) (i32.const 8192))
                (i32.store (i32.const 36) (i32.const 100))
                (call $fd_read (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 24)))
            """;

    @TempDir
    Path tmp;

    /** Runs the app's body as _start; {@code strings} are placed at 1024, 1088, ... in order. */
    private CliRun.Result run(Path jail, String body, String... strings) throws IOException {
        StringBuilder wat = new StringBuilder(PRELUDE);
        for (int i = 0; i < strings.length; i++) {
            wat.append("  (data (i32.const ").append(1024 + 64 * i).append(") \"").append(strings[i])
                    .append("\")\n");
        }
        wat.append("  (func (export \"_start\") (local $fd i32)\n").append(body).append("))\n");
        Path app = Files.write(tmp.resolve("app.wasm"), Wat2Wasm.parse(wat.toString()));
        Path toml = Files.writeString(tmp.resolve("Keep.toml"), KeepTomls.STANDARD_STREAMS + """
                [[files]]
                kind = "dir"
                host = "%s"
                guest = "/jail"
                """.formatted(jail));
        return CliRun.keep("run", "--backend", "nil", "--config", toml.toString(), app.toString());
    }

    /** {@code (i32.const address) (i32.const length)} of string i of {@link #run}. */
    private static String str(int i, String text) {
        return "(i32.const " + (1024 + 64 * i) + ") (i32.const " + text.length() + ")";
    }

    private Path jailBesideASecret() throws IOException {
        Path jail = Files.createDirectories(tmp.resolve("jail"));
        Files.writeString(tmp.resolve("secret.txt"), "secret");
        Files.createDirectories(tmp.resolve("outside"));
        return jail;
    }

    @Test
    void anAbsoluteSymlinkOutOfThePreopenIsNotcapable() throws IOException {
        Path jail = jailBesideASecret();
        Files.createSymbolicLink(jail.resolve("abs"), tmp.resolve("secret.txt").toAbsolutePath());
        Files.createSymbolicLink(jail.resolve("absdir"), tmp.resolve("outside").toAbsolutePath());
        CliRun.Result run = run(jail, """
                (call $num (call $open %s (i64.const 2)))
                (call $num (call $path_filestat_get (i32.const 3) (i32.const 1) %s (i32.const 64)))
                (call $num (call $path_create_directory (i32.const 3) %s))
                (call $proc_exit (i32.const 0))
                """.formatted(str(0, "abs"), str(0, "abs"), str(1, "absdir/made")),
                "abs", "absdir/made");
        assertEquals(0, run.exit(), run.err());
        assertEquals(NOTCAPABLE + "\n" + NOTCAPABLE + "\n" + NOTCAPABLE + "\n", run.out());
        assertFalse(Files.exists(tmp.resolve("outside/made")));
    }

    @Test
    void pathRenameMovesFilesAndDirectories() throws IOException {
        Path jail = Files.createDirectories(tmp.resolve("jail"));
        Files.writeString(jail.resolve("a.txt"), "moved");
        Files.createDirectories(jail.resolve("d/inner"));
        CliRun.Result run = run(jail, """
                (call $num (call $path_rename (i32.const 3) %s (i32.const 3) %s))
                (call $num (call $path_rename (i32.const 3) %s (i32.const 3) %s))
                (call $num (call $path_rename (i32.const 3) %s (i32.const 3) %s))
                (call $proc_exit (i32.const 0))
                """.formatted(str(0, "a.txt"), str(1, "d/b.txt"), str(2, "d/inner/"), str(3, "e/"),
                        str(4, "missing"), str(5, "x")),
                "a.txt", "d/b.txt", "d/inner/", "e/", "missing", "x");
        assertEquals(0, run.exit(), run.err());
        assertEquals("0\n0\n44\n", run.out());
        assertEquals("moved", Files.readString(jail.resolve("d/b.txt")));
        assertTrue(Files.isDirectory(jail.resolve("e")));
        assertFalse(Files.exists(jail.resolve("a.txt")));
        assertFalse(Files.exists(jail.resolve("d/inner")));
    }

    /** Rights only narrow: a dropped fd_read right makes reads notcapable, and cannot come back. */
    @Test
    void fdstatSetRightsDropsRightsAndNeverAddsThem() throws IOException {
        Path jail = Files.createDirectories(tmp.resolve("jail"));
        Files.writeString(jail.resolve("f.txt"), "data");
        CliRun.Result run = run(jail, """
                (call $num (call $open %s (i64.const 0x26)))
                (local.set $fd (i32.load (i32.const 16)))
                (call $num (call $read (local.get $fd)))
                (drop (call $fd_fdstat_get (local.get $fd) (i32.const 136)))
                (call $num (call $fd_fdstat_set_rights (local.get $fd)
                  (i64.and (i64.load (i32.const 144)) (i64.const -3)) (i64.const 0)))
                (call $num (call $read (local.get $fd)))
                (call $num (call $fd_fdstat_set_rights (local.get $fd) (i64.load (i32.const 144)) (i64.const 0)))
                (call $num (call $fd_fdstat_set_rights (i32.const 99) (i64.const 0) (i64.const 0)))
                (call $num (call $sock_shutdown (local.get $fd) (i32.const 2)))
                (call $num (call $sock_shutdown (i32.const 99) (i32.const 2)))
                (call $proc_exit (i32.const 0))
                """.formatted(str(0, "f.txt")), "f.txt");
        assertEquals(0, run.exit(), run.err());
        assertEquals(List.of("0", "0", "0", "" + NOTCAPABLE, "" + NOTCAPABLE, "" + BADF, "" + NOTSOCK,
                "" + BADF), run.out().lines().toList());
    }

    /** WASI has no signals: proc_raise stops the app with a trap, as in a keep. */
    @Test
    void procRaiseTraps() throws IOException {
        Path jail = Files.createDirectories(tmp.resolve("jail"));
        CliRun.Result run = run(jail, """
                (drop (call $proc_raise (i32.const 6)))
                (call $proc_exit (i32.const 0))
                """);
        assertEquals(ExitCodes.TRAP, run.exit(), run.err());
        assertTrue(run.err().contains("proc_raise(6)"), run.err());
        assertFalse(run.hasStackTrace(), run.err());
    }
}
