package dev.keep.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.link.LinkedApps.Run;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.Preopen;
import dev.keep.shim.link.LaunchConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files through the keep: WAT apps linked into keep images run natively ({@link
 * dev.keep.loader.hostcall.UserModeKeep}) with the real dispatcher and the real fd table over
 * real temporary directories, compared with the nil backend running the same app on an identical
 * copy of the tree. nil serves WASI with the same host as the keep, so every answer must be the
 * same; only the tests of non-default {@link KeepLimits} run on the keep alone (nil always has
 * the defaults, as the kvm backend does).
 */
class WasiFilesEndToEndTest {
    private static final String RIGHTS_READ = "(i64.const 0x26)";     // fd_read | fd_seek | fd_tell
    private static final String RIGHTS_WRITE = "(i64.const 0x40)";    // fd_write
    private static final String RIGHTS_RW = "(i64.const 0x66)";

    @TempDir
    Path tmp;

    /** Two identical trees, made by {@code setup}: one for the keep, one for nil. */
    private record Trees(Path keep, Path nil) {
    }

    private Trees trees(Consumer<Path> setup) throws IOException {
        Path keep = Files.createDirectories(tmp.resolve("keep/jail"));
        Path nil = Files.createDirectories(tmp.resolve("nil/jail"));
        setup.accept(keep);
        setup.accept(nil);
        return new Trees(keep, nil);
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the app both ways on its own tree (preopened at /jail) and checks the same outcome. */
    private Run both(byte[] wasm, Trees trees, boolean readOnly) throws Exception {
        return both(wasm, List.of(new Preopen("/jail", trees.keep(), readOnly)),
                List.of(new Preopen("/jail", trees.nil(), readOnly)));
    }

    /**
     * Runs the app in a keep over {@code keepDirs} and on nil over {@code nilDirs} (identical
     * trees, same guest names) and checks that stdout, stderr and the exit status are the same.
     */
    private Run both(byte[] wasm, List<Preopen> keepDirs, List<Preopen> nilDirs) throws Exception {
        return both(wasm, LaunchConfig.of("files.wasm"), keepDirs, nilDirs);
    }

    private Run both(byte[] wasm, LaunchConfig config, List<Preopen> keepDirs, List<Preopen> nilDirs)
            throws Exception {
        Run keep = LinkedApps.keep(wasm, config, new byte[0], keepDirs, KeepLimits.DEFAULT, m -> { });
        Path nilDir = Files.createDirectories(tmp.resolve("nil-app"));
        Run nil = LinkedApps.nil(nilDir, wasm, config, new byte[0], nilDirs);
        assertNull(keep.fault(), () -> "the keep did not exit: " + keep.fault() + "\n" + keep.out());
        assertEquals(nil.out(), keep.out(), "stdout differs from the nil backend");
        assertEquals(nil.err(), keep.err(), "stderr differs from the nil backend");
        assertEquals(nil.exit(), keep.exit(), "exit status differs from the nil backend");
        return keep;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void openWriteReadSeekStatRenameAndRemoveRoundTrip() throws Exception {
        Trees trees = trees(dir -> { });
        byte[] wasm = WasiScript.wasm("(local $fd i32)", """
                (call $say {"open-w"} (call $open (i32.const 3) {"a.txt"} (i32.const 1) %s (i32.const 0)))
                (local.set $fd (i32.load (i32.const 16)))
                (call $say {"write"} (call $write (local.get $fd) {"hello world"}))
                (call $say {"written"} (i32.load (i32.const 24)))
                (call $say {"close"} (call $fd_close (local.get $fd)))
                (call $say {"open-r"} (call $open (i32.const 3) {"a.txt"} (i32.const 0) %s (i32.const 0)))
                (local.set $fd (i32.load (i32.const 16)))
                (call $say {"read"} (call $read (local.get $fd) (i32.const 100)))
                (call $printRead)
                (call $say {"read-eof"} (call $read (local.get $fd) (i32.const 100)))
                (call $say {"count"} (i32.load (i32.const 24)))
                (call $say {"seek"} (call $fd_seek (local.get $fd) (i64.const 6) (i32.const 0) (i32.const 40)))
                (call $num64 (i64.load (i32.const 40)))
                (call $say {"read"} (call $read (local.get $fd) (i32.const 3)))
                (call $printRead)
                (call $say {"tell"} (call $fd_tell (local.get $fd) (i32.const 40)))
                (call $num64 (i64.load (i32.const 40)))
                (call $say {"seek-end"} (call $fd_seek (local.get $fd) (i64.const -2) (i32.const 2) (i32.const 40)))
                (call $num64 (i64.load (i32.const 40)))
                (call $say {"fstat"} (call $fd_filestat_get (local.get $fd) (i32.const 64)))
                (call $say {"size"} (i32.wrap_i64 (i64.load (i32.const 96))))
                (call $say {"type"} (i32.load8_u (i32.const 80)))
                (call $say {"close"} (call $fd_close (local.get $fd)))
                (call $say {"open-rw"} (call $open (i32.const 3) {"a.txt"} (i32.const 0) %s (i32.const 0)))
                (local.set $fd (i32.load (i32.const 16)))
                (i32.store (i32.const 32) (i32.const 1030))
                (i32.store (i32.const 36) (i32.const 1))
                (i32.store8 (i32.const 1030) (i32.const 74))
                (call $say {"pwrite"} (call $fd_pwrite (local.get $fd) (i32.const 32) (i32.const 1) (i64.const 0) (i32.const 24)))
                (i32.store (i32.const 32) (i32.const 8192))
                (i32.store (i32.const 36) (i32.const 5))
                (call $say {"pread"} (call $fd_pread (local.get $fd) (i32.const 32) (i32.const 1) (i64.const 0) (i32.const 24)))
                (call $printRead)
                (call $say {"sync"} (call $fd_sync (local.get $fd)))
                (call $say {"close"} (call $fd_close (local.get $fd)))
                (call $say {"mkdir"} (call $path_create_directory (i32.const 3) {"sub"}))
                (call $say {"mkdir-again"} (call $path_create_directory (i32.const 3) {"sub"}))
                (call $say {"stat"} (call $path_filestat_get (i32.const 3) (i32.const 1) {"a.txt"} (i32.const 64)))
                (call $say {"size"} (i32.wrap_i64 (i64.load (i32.const 96))))
                (call $say {"unlink"} (call $path_unlink_file (i32.const 3) {"a.txt"}))
                (call $say {"stat-gone"} (call $path_filestat_get (i32.const 3) (i32.const 1) {"a.txt"} (i32.const 64)))
                (call $say {"rmdir"} (call $path_remove_directory (i32.const 3) {"sub"}))
                (call $say {"close-bad"} (call $fd_close (i32.const 77)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_WRITE, RIGHTS_READ, RIGHTS_RW));
        Run run = both(wasm, trees, false);
        assertTrue(run.out().contains("read=0\nhello world\n"), run.out());
        assertTrue(run.out().contains("read=0\nwor\n"), run.out());
        assertTrue(run.out().contains("pread=0\nJello\n"), run.out());
        assertTrue(run.out().contains("mkdir-again=20\n"), run.out());
        assertTrue(run.out().contains("rmdir=0\n"), run.out());
        assertEquals(List.of(), listing(trees.keep()), "the app removed what it made");
    }

    /**
     * path_rename works, on nil too (Chicory's WASI, which nil used before, answered notsup to
     * every rename), and writing to a file opened only for reading is badf.
     */
    @Test
    void renameIntoASubdirectoryAndWritingAReadOnlyFd() throws Exception {
        Trees trees = trees(dir -> write(dir.resolve("a.txt"), "hello"));
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"open-r"} (call $open (i32.const 3) {"a.txt"} (i32.const 0) %s (i32.const 0)))
                (call $say {"write-ro"} (call $write (i32.load (i32.const 16)) {"x"}))
                (call $say {"mkdir"} (call $path_create_directory (i32.const 3) {"sub"}))
                (call $say {"rename"} (call $path_rename (i32.const 3) {"a.txt"} (i32.const 3) {"sub/b.txt"}))
                (call $say {"rmdir-full"} (call $path_remove_directory (i32.const 3) {"sub"}))
                (call $say {"stat-gone"} (call $path_filestat_get (i32.const 3) (i32.const 1) {"a.txt"} (i32.const 64)))
                (call $say {"dir-as-file"} (call $read (i32.const 3) (i32.const 10)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_READ));
        Run keep = both(wasm, trees, false);
        assertEquals("open-r=0\nwrite-ro=8\nmkdir=0\nrename=0\nrmdir-full=55\nstat-gone=44\n"
                + "dir-as-file=31\n",
                keep.out());
        assertEquals("hello", Files.readString(trees.keep().resolve("sub/b.txt")));
        assertEquals("hello", Files.readString(trees.nil().resolve("sub/b.txt")));
        assertEquals(List.of("sub"), listing(trees.nil()));
    }

    /** Append mode, fdstat, changing the flags after open, and moving an fd with fd_renumber. */
    @Test
    void appendFdstatSetFlagsAndRenumber() throws Exception {
        Trees trees = trees(dir -> write(dir.resolve("log.txt"), "one\n"));
        byte[] wasm = WasiScript.wasm("(local $fd i32) (local $other i32)", """
                (call $say {"open-append"} (call $open (i32.const 3) {"log.txt"} (i32.const 0) %1$s (i32.const 1)))
                (local.set $fd (i32.load (i32.const 16)))
                (call $say {"write"} (call $write (local.get $fd) {"two."}))
                (call $say {"fdstat"} (call $fd_fdstat_get (local.get $fd) (i32.const 136)))
                (call $say {"type"} (i32.load8_u (i32.const 136)))
                (call $say {"flags"} (i32.load16_u (i32.const 138)))
                (call $say {"stdout-type"} (block (result i32) (drop (call $fd_fdstat_get (i32.const 1) (i32.const 136))) (i32.load8_u (i32.const 136))))
                (call $say {"dir-type"} (block (result i32) (drop (call $fd_fdstat_get (i32.const 3) (i32.const 136))) (i32.load8_u (i32.const 136))))
                (call $say {"no-append"} (call $fd_fdstat_set_flags (local.get $fd) (i32.const 0)))
                (call $say {"seek"} (call $fd_seek (local.get $fd) (i64.const 0) (i32.const 0) (i32.const 40)))
                (call $say {"overwrite"} (call $write (local.get $fd) {"ONE"}))
                (call $say {"bad-flags"} (call $fd_fdstat_set_flags (local.get $fd) (i32.const 4)))
                (call $say {"open-other"} (call $open (i32.const 3) {"log.txt"} (i32.const 0) %2$s (i32.const 0)))
                (local.set $other (i32.load (i32.const 16)))
                (call $say {"renumber"} (call $fd_renumber (local.get $fd) (local.get $other)))
                (call $say {"old-gone"} (call $fd_close (local.get $fd)))
                (call $say {"moved-writes"} (call $write (local.get $other) {"!"}))
                (call $say {"renumber-bad"} (call $fd_renumber (local.get $other) (i32.const 50)))
                (call $say {"seek-bad"} (call $fd_seek (local.get $other) (i64.const -100) (i32.const 1) (i32.const 40)))
                (call $say {"seek-whence"} (call $fd_seek (local.get $other) (i64.const 0) (i32.const 7) (i32.const 40)))
                (call $say {"seek-stream"} (call $fd_seek (i32.const 1) (i64.const 0) (i32.const 0) (i32.const 40)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_RW, RIGHTS_READ));
        Run keep = both(wasm, trees, false);
        assertEquals("open-append=0\nwrite=0\nfdstat=0\ntype=4\nflags=1\nstdout-type=2\ndir-type=3\n"
                + "no-append=0\nseek=0\noverwrite=0\nbad-flags=58\nopen-other=0\nrenumber=0\n"
                + "old-gone=8\nmoved-writes=0\nrenumber-bad=8\nseek-bad=28\nseek-whence=28\n"
                + "seek-stream=70\n", keep.out());
        assertEquals("ONE!two.", Files.readString(trees.keep().resolve("log.txt")));
        assertEquals("ONE!two.", Files.readString(trees.nil().resolve("log.txt")));
    }

    /** Size and times change through a writable fd or a path; a read-only fd or dir refuses. */
    @Test
    void setSizeSetTimesAdviseAndAllocate() throws Exception {
        Trees trees = trees(dir -> {
            write(dir.resolve("f.txt"), "0123456789");
            write(dir.resolve("g.txt"), "g");
        });
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        write(ro.resolve("r.txt"), "read only");
        Path nilRo = Files.createDirectories(tmp.resolve("nil-ro"));
        write(nilRo.resolve("r.txt"), "read only");
        byte[] wasm = WasiScript.wasm("(local $fd i32) (local $rfd i32)", """
                (call $say {"open"} (call $open (i32.const 3) {"f.txt"} (i32.const 0) %1$s (i32.const 0)))
                (local.set $fd (i32.load (i32.const 16)))
                (call $say {"shrink"} (call $fd_filestat_set_size (local.get $fd) (i64.const 4)))
                (call $say {"grow"} (call $fd_filestat_set_size (local.get $fd) (i64.const 6)))
                (call $say {"times"} (call $fd_filestat_set_times (local.get $fd) (i64.const 1000000000) (i64.const 2000000000) (i32.const 5)))
                (call $say {"times-conflict"} (call $fd_filestat_set_times (local.get $fd) (i64.const 0) (i64.const 0) (i32.const 3)))
                (call $say {"path-times"} (call $path_filestat_set_times (i32.const 3) (i32.const 1) {"g.txt"} (i64.const 0) (i64.const 3000000000) (i32.const 4)))
                (call $say {"path-times-out"} (call $path_filestat_set_times (i32.const 3) (i32.const 1) {"../x"} (i64.const 0) (i64.const 0) (i32.const 8)))
                (call $say {"advise"} (call $fd_advise (local.get $fd) (i64.const 0) (i64.const 10) (i32.const 2)))
                (call $say {"advise-bad"} (call $fd_advise (local.get $fd) (i64.const 0) (i64.const 10) (i32.const 9)))
                (call $say {"allocate"} (call $fd_allocate (local.get $fd) (i64.const 0) (i64.const 10)))
                (call $say {"open-ro"} (call $open (i32.const 4) {"r.txt"} (i32.const 0) %2$s (i32.const 0)))
                (local.set $rfd (i32.load (i32.const 16)))
                (call $say {"ro-size"} (call $fd_filestat_set_size (local.get $rfd) (i64.const 0)))
                (call $say {"ro-times"} (call $fd_filestat_set_times (local.get $rfd) (i64.const 0) (i64.const 0) (i32.const 8)))
                (call $say {"ro-path-times"} (call $path_filestat_set_times (i32.const 4) (i32.const 1) {"r.txt"} (i64.const 0) (i64.const 0) (i32.const 8)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_RW, RIGHTS_READ));
        long roModified = Files.getLastModifiedTime(ro.resolve("r.txt")).toMillis();
        Run keep = both(wasm,
                List.of(new Preopen("/jail", trees.keep(), false), new Preopen("/ro", ro, true)),
                List.of(new Preopen("/jail", trees.nil(), false), new Preopen("/ro", nilRo, true)));
        // A file opened for reading gets new times (as futimens allows), but not one beneath a
        // read-only directory: rofs, as for a path there.
        assertEquals("open=0\nshrink=0\ngrow=0\ntimes=0\ntimes-conflict=28\npath-times=0\n"
                + "path-times-out=76\nadvise=0\nadvise-bad=28\nallocate=58\nopen-ro=0\nro-size=8\n"
                + "ro-times=69\nro-path-times=69\n", keep.out());
        Path f = trees.keep().resolve("f.txt");
        // Times first: reading the content afterwards may update the access time.
        assertEquals(1000, ((java.nio.file.attribute.FileTime) Files.getAttribute(f, "lastAccessTime")).toMillis());
        assertEquals(2000, Files.getLastModifiedTime(f).toMillis());
        assertEquals("0123\0\0", Files.readString(f));
        assertEquals(3000, Files.getLastModifiedTime(trees.keep().resolve("g.txt")).toMillis());
        assertEquals(roModified, Files.getLastModifiedTime(ro.resolve("r.txt")).toMillis());
        assertEquals("read only", Files.readString(ro.resolve("r.txt")));
    }

    @Test
    void readdirListsTheEntriesWithTheirTypes() throws Exception {
        Trees trees = trees(dir -> {
            write(dir.resolve("b.txt"), "bb");
            write(dir.resolve("a.txt"), "a");
            write(dir.resolve("c/inner.txt"), "c");
        });
        byte[] wasm = WasiScript.wasm("(local $p i32) (local $end i32) (local $len i32)", """
                (call $say {"readdir"} (call $fd_readdir (i32.const 3) (i32.const 32768) (i32.const 16384) (i64.const 0) (i32.const 24)))
                (local.set $p (i32.const 32768))
                (local.set $end (i32.add (i32.const 32768) (i32.load (i32.const 24))))
                (block $done
                  (loop $next
                    (br_if $done (i32.gt_u (i32.add (local.get $p) (i32.const 24)) (local.get $end)))
                    (local.set $len (i32.load (i32.add (local.get $p) (i32.const 16))))
                    (call $say (i32.add (local.get $p) (i32.const 24)) (local.get $len)
                               (i32.load8_u (i32.add (local.get $p) (i32.const 20))))
                    (local.set $p (i32.add (local.get $p) (i32.add (i32.const 24) (local.get $len))))
                    (br $next)))
                (call $proc_exit (i32.const 0))
                """);
        Run keep = both(wasm, trees, false);
        assertEquals(List.of("a.txt=4", "b.txt=4", "c=3"), entries(keep.out()));
    }

    /** The directory entries the app printed, sorted, without "." and "..". */
    private static List<String> entries(String out) {
        return out.lines().filter(l -> !l.startsWith("readdir=") && !l.startsWith(".="))
                .filter(l -> !l.startsWith("..=")).sorted().toList();
    }

    @Test
    void escapesFromThePreopenedDirectoryAreRefused() throws Exception {
        Trees trees = trees(dir -> {
            write(dir.resolveSibling("secret.txt"), "secret");
            write(dir.resolve("inside.txt"), "inside");
            try {
                Files.createDirectories(dir.resolve("sub"));
                Files.createSymbolicLink(dir.resolve("out"), Path.of("../secret.txt"));
                Files.createSymbolicLink(dir.resolve("abs"), dir.resolveSibling("secret.txt"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"inside"} (call $open (i32.const 3) {"inside.txt"} (i32.const 0) %1$s (i32.const 0)))
                (call $say {"dotdot"} (call $open (i32.const 3) {"../secret.txt"} (i32.const 0) %1$s (i32.const 0)))
                (call $say {"deep-dotdot"} (call $open (i32.const 3) {"sub/../../secret.txt"} (i32.const 0) %1$s (i32.const 0)))
                (call $say {"absolute"} (call $open (i32.const 3) {"/etc/passwd"} (i32.const 0) %1$s (i32.const 0)))
                (call $say {"symlink-out"} (call $open (i32.const 3) {"out"} (i32.const 0) %1$s (i32.const 0)))
                (call $say {"symlink-abs"} (call $open (i32.const 3) {"abs"} (i32.const 0) %1$s (i32.const 0)))
                (call $say {"stat-out"} (call $path_filestat_get (i32.const 3) (i32.const 1) {"../secret.txt"} (i32.const 64)))
                (call $say {"mkdir-out"} (call $path_create_directory (i32.const 3) {"../made"}))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_READ));
        // nil answers exactly as the keep: notcapable for every way out, the absolute symlink
        // included (Chicory's WASI, which nil used before, followed that one out).
        Run keep = both(wasm, trees, false);
        assertEquals("inside=0\ndotdot=76\ndeep-dotdot=76\nabsolute=76\nsymlink-out=76\n"
                + "symlink-abs=76\nstat-out=76\nmkdir-out=76\n", keep.out());
        assertFalse(Files.exists(trees.keep().resolveSibling("made")));
        assertFalse(Files.exists(trees.nil().resolveSibling("made")));
    }

    @Test
    void aReadOnlyDirectoryRefusesEveryWrite() throws Exception {
        Trees trees = trees(dir -> write(dir.resolve("r.txt"), "read me"));
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"open-r"} (call $open (i32.const 3) {"r.txt"} (i32.const 0) %s (i32.const 0)))
                (call $say {"read"} (call $read (i32.load (i32.const 16)) (i32.const 100)))
                (call $printRead)
                (call $say {"create"} (call $open (i32.const 3) {"new.txt"} (i32.const 1) %s (i32.const 0)))
                (call $say {"truncate"} (call $open (i32.const 3) {"r.txt"} (i32.const 8) %s (i32.const 0)))
                (call $say {"mkdir"} (call $path_create_directory (i32.const 3) {"d"}))
                (call $say {"unlink"} (call $path_unlink_file (i32.const 3) {"r.txt"}))
                (call $say {"rename"} (call $path_rename (i32.const 3) {"r.txt"} (i32.const 3) {"s.txt"}))
                (call $say {"symlink"} (call $path_symlink {"r.txt"} (i32.const 3) {"l"}))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_READ, RIGHTS_WRITE, RIGHTS_WRITE));
        Run run = both(wasm, trees, true);
        assertEquals("open-r=0\nread=0\nread me\ncreate=69\ntruncate=69\nmkdir=69\nunlink=69\n"
                + "rename=69\nsymlink=69\n", run.out());
        assertEquals(List.of("r.txt"), listing(trees.keep()));
        assertEquals("read me", Files.readString(trees.keep().resolve("r.txt")));
    }

    @Test
    void openingForWritingInAReadOnlyDirectoryIsRefusedAtOpen() throws Exception {
        Trees trees = trees(dir -> write(dir.resolve("r.txt"), "read me"));
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"open-w"} (call $open (i32.const 3) {"r.txt"} (i32.const 0) %s (i32.const 0)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_WRITE));
        Run keep = both(wasm, trees, true);
        assertEquals("open-w=69\n", keep.out());
    }

    @Test
    void theOpenFdLimitAnswersMfileAndClosingFreesASlot() throws Exception {
        Trees trees = trees(dir -> write(dir.resolve("f.txt"), "f"));
        byte[] wasm = WasiScript.wasm("(local $first i32)", """
                (call $say {"first"} (call $open (i32.const 3) {"f.txt"} (i32.const 0) %1$s (i32.const 0)))
                (local.set $first (i32.load (i32.const 16)))
                (call $say {"fd"} (local.get $first))
                (call $say {"second"} (call $open (i32.const 3) {"f.txt"} (i32.const 0) %1$s (i32.const 0)))
                (call $say {"dir"} (call $open (i32.const 3) {"."} (i32.const 2) %1$s (i32.const 0)))
                (call $say {"close"} (call $fd_close (local.get $first)))
                (call $say {"again"} (call $open (i32.const 3) {"f.txt"} (i32.const 0) %1$s (i32.const 0)))
                (call $say {"fd"} (i32.load (i32.const 16)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_READ));
        Run keep = LinkedApps.keep(wasm, LaunchConfig.of("limit.wasm"), new byte[0],
                List.of(new Preopen("/jail", trees.keep(), false)), new KeepLimits(5, 4096), m -> { });
        assertEquals("first=0\nfd=4\nsecond=33\ndir=33\nclose=0\nagain=0\nfd=4\n", keep.out());
    }

    @Test
    void aWriteLongerThanTheBytesPerRequestLimitIsShort() throws Exception {
        Trees trees = trees(dir -> { });
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"open"} (call $open (i32.const 3) {"big"} (i32.const 1) %s (i32.const 0)))
                (call $say {"write"} (call $write (i32.load (i32.const 16)) (i32.const 8192) (i32.const 20000)))
                (call $say {"written"} (i32.load (i32.const 24)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_WRITE));
        Run keep = LinkedApps.keep(wasm, LaunchConfig.of("big.wasm"), new byte[0],
                List.of(new Preopen("/jail", trees.keep(), false)), new KeepLimits(16, 4096), m -> { });
        assertEquals("open=0\nwrite=0\nwritten=4096\n", keep.out());
        assertEquals(4096, Files.size(trees.keep().resolve("big")));
    }

    @Test
    void prestatNamesThePreopenedDirectories() throws Exception {
        Trees trees = trees(dir -> { });
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"prestat"} (call $fd_prestat_get (i32.const 3) (i32.const 128)))
                (call $say {"tag"} (i32.load8_u (i32.const 128)))
                (call $say {"len"} (i32.load (i32.const 132)))
                (call $say {"name"} (call $fd_prestat_dir_name (i32.const 3) (i32.const 8192) (i32.load (i32.const 132))))
                (call $print (i32.const 8192) (i32.load (i32.const 132)))
                (call $print (i32.const 232) (i32.const 1))
                (call $say {"none"} (call $fd_prestat_get (i32.const 4) (i32.const 128)))
                (call $say {"stdout"} (call $fd_prestat_get (i32.const 1) (i32.const 128)))
                (call $proc_exit (i32.const 0))
                """);
        Run run = both(wasm, trees, false);
        assertEquals("prestat=0\ntag=0\nlen=5\nname=0\n/jail\nnone=8\nstdout=8\n", run.out());
    }

    @Test
    void symlinkAndReadlinkInsideTheJail() throws Exception {
        Trees trees = trees(dir -> write(dir.resolve("target.txt"), "t"));
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"symlink"} (call $path_symlink {"target.txt"} (i32.const 3) {"link"}))
                (call $say {"readlink"} (call $path_readlink (i32.const 3) {"link"} (i32.const 8192) (i32.const 100) (i32.const 24)))
                (call $printRead)
                (call $say {"short"} (call $path_readlink (i32.const 3) {"link"} (i32.const 8192) (i32.const 4) (i32.const 24)))
                (call $printRead)
                (call $say {"through"} (call $open (i32.const 3) {"link"} (i32.const 0) %s (i32.const 0)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_READ));
        Run run = both(wasm, trees, false);
        assertTrue(run.out().startsWith("symlink=0\nreadlink=0\ntarget.txt\n"), run.out());
        assertEquals(Path.of("target.txt"), Files.readSymbolicLink(trees.keep().resolve("link")));
    }

    /** Hard links stay inside the jail, even through a symlink pointing out. */
    @Test
    void pathLinkMakesHardLinksInsideTheJailOnly() throws Exception {
        Trees trees = trees(dir -> {
            write(dir.resolve("f.txt"), "linked");
            write(dir.resolveSibling("secret.txt"), "secret");
            try {
                Files.createSymbolicLink(dir.resolve("in"), Path.of("f.txt"));
                Files.createSymbolicLink(dir.resolve("out"), Path.of("../secret.txt"));
                Files.createSymbolicLink(dir.resolve("abs"), dir.resolveSibling("secret.txt"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"link"} (call $path_link (i32.const 3) (i32.const 0) {"f.txt"} (i32.const 3) {"g.txt"}))
                (call $say {"link-exists"} (call $path_link (i32.const 3) (i32.const 0) {"f.txt"} (i32.const 3) {"g.txt"}))
                (call $say {"follow-in"} (call $path_link (i32.const 3) (i32.const 1) {"in"} (i32.const 3) {"h.txt"}))
                (call $say {"follow-out"} (call $path_link (i32.const 3) (i32.const 1) {"out"} (i32.const 3) {"stolen"}))
                (call $say {"follow-abs"} (call $path_link (i32.const 3) (i32.const 1) {"abs"} (i32.const 3) {"stolen2"}))
                (call $say {"dotdot"} (call $path_link (i32.const 3) (i32.const 0) {"../secret.txt"} (i32.const 3) {"stolen3"}))
                (call $say {"to-outside"} (call $path_link (i32.const 3) (i32.const 0) {"f.txt"} (i32.const 3) {"../planted"}))
                (call $proc_exit (i32.const 0))
                """);
        Run keep = both(wasm, trees, false);
        assertEquals("link=0\nlink-exists=20\nfollow-in=0\nfollow-out=76\nfollow-abs=76\n"
                + "dotdot=76\nto-outside=76\n", keep.out());
        Path jail = trees.keep();
        assertEquals(Files.getAttribute(jail.resolve("f.txt"), "unix:ino"),
                Files.getAttribute(jail.resolve("g.txt"), "unix:ino"));
        assertEquals(Files.getAttribute(jail.resolve("f.txt"), "unix:ino"),
                Files.getAttribute(jail.resolve("h.txt"), "unix:ino"));
        assertEquals(List.of("abs", "f.txt", "g.txt", "h.txt", "in", "out"), listing(jail));
        assertFalse(Files.exists(jail.resolveSibling("planted")));
        assertEquals(List.of("abs", "f.txt", "g.txt", "h.txt", "in", "out"), listing(trees.nil()));
        assertFalse(Files.exists(trees.nil().resolveSibling("planted")));
    }

    /**
     * Pointers the app passes are checked in the keep: EFAULT, and nothing reaches the host. nil
     * checks them the same way before its handler sees the call.
     */
    @Test
    void outOfRangePointersAreEfaultInsideTheKeep() throws Exception {
        Trees trees = trees(dir -> write(dir.resolve("f.txt"), "f"));
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"path-past-end"} (call $open (i32.const 3) (i32.const 65530) (i32.const 10) (i32.const 0) %1$s (i32.const 0)))
                (call $say {"fd-out-past-end"} (call $path_open (i32.const 3) (i32.const 1) {"f.txt"} (i32.const 0) %1$s (i64.const 0) (i32.const 0) (i32.const 65534)))
                (call $say {"iovecs-past-end"} (call $fd_read (i32.const 0) (i32.const 65532) (i32.const 1) (i32.const 24)))
                (i32.store (i32.const 32) (i32.const 65000))
                (i32.store (i32.const 36) (i32.const 1000))
                (call $say {"buffer-past-end"} (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 24)))
                (call $say {"stat-past-end"} (call $fd_filestat_get (i32.const 3) (i32.const 65500)))
                (call $say {"huge-path"} (call $open (i32.const 3) (i32.const 0) (i32.const 5000) (i32.const 0) %1$s (i32.const 0)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_READ));
        Run keep = both(wasm, trees, false);
        assertEquals("path-past-end=21\nfd-out-past-end=21\niovecs-past-end=21\nbuffer-past-end=21\n"
                + "stat-past-end=21\nhuge-path=37\n", keep.out());
    }

    @Test
    void catReadsStandardInputThroughTheHost() throws Exception {
        byte[] input = "line one\nline two\n\u00e9t\u00e9\n".getBytes(StandardCharsets.UTF_8);
        byte[] wasm = LinkedApps.sample("cat");
        LaunchConfig config = LaunchConfig.of("cat.wasm");
        Run keep = LinkedApps.keep(wasm, config, input, List.of(), KeepLimits.DEFAULT, m -> { });
        Run nil = LinkedApps.nil(Files.createDirectories(tmp.resolve("nil-app")), wasm, config,
                input, List.of());
        assertNull(keep.fault(), keep::fault);
        assertEquals(new String(input, StandardCharsets.UTF_8), keep.out());
        assertEquals(nil.out(), keep.out());
        assertEquals(nil.exit(), keep.exit());
    }

    @Test
    void catPrintsAFileFromTheSamplesReadOnlyDataDirectory() throws Exception {
        Path data = LinkedApps.projectRoot().resolve("samples/cat/data");
        byte[] wasm = LinkedApps.sample("cat");
        for (String file : List.of("/data/notes.txt", "/data/missing.txt", "/elsewhere/x")) {
            LaunchConfig config = LaunchConfig.of("cat.wasm", file);
            List<Preopen> preopens = List.of(new Preopen("/data", data, true));
            Run keep = LinkedApps.keep(wasm, config, new byte[0], preopens, KeepLimits.DEFAULT, m -> { });
            Run nil = LinkedApps.nil(Files.createDirectories(tmp.resolve("nil-app")), wasm, config,
                    new byte[0], preopens);
            assertNull(keep.fault(), keep::fault);
            assertEquals(nil.out(), keep.out(), file);
            assertEquals(nil.err(), keep.err(), file);
            assertEquals(nil.exit(), keep.exit(), file);
        }
        Run notes = LinkedApps.keep(wasm, LaunchConfig.of("cat.wasm", "/data/notes.txt"), new byte[0],
                List.of(new Preopen("/data", data, true)), KeepLimits.DEFAULT, m -> { });
        assertEquals(Files.readString(data.resolve("notes.txt")), notes.out());
    }

    /** A write above the ABI's transfer size is short on both, to a file; stdout takes it all. */
    @Test
    void aWriteAboveTheTransferSizeIsShortToAFileAndWholeToStdout() throws Exception {
        Trees trees = trees(dir -> { });
        byte[] wasm = WasiScript.wasm("", """
                (call $say {"open"} (call $open (i32.const 3) {"big"} (i32.const 1) %s (i32.const 0)))
                (call $say {"write"} (call $write (i32.load (i32.const 16)) (i32.const 8192) (i32.const 40000)))
                (call $say {"written"} (i32.load (i32.const 24)))
                (call $say {"stderr"} (call $write (i32.const 2) (i32.const 8192) (i32.const 40000)))
                (call $say {"to-stderr"} (i32.load (i32.const 24)))
                (call $proc_exit (i32.const 0))
                """.formatted(RIGHTS_WRITE));
        Run keep = both(wasm, trees, false);
        assertEquals("open=0\nwrite=0\nwritten=32768\nstderr=0\nto-stderr=40000\n", keep.out());
        assertEquals(40000, keep.err().length());
        assertEquals(32768, Files.size(trees.keep().resolve("big")));
        assertEquals(32768, Files.size(trees.nil().resolve("big")));
    }

    /**
     * The calls the keep answers itself (argv, environ, random, yield, clocks, exit) and the
     * forwarded ones with no file behind them (poll_oneoff, fdstat of a stream), with good and bad
     * pointers: nil answers each as the keep does.
     */
    @Test
    void callsWithoutFilesAnswerAlike() throws Exception {
        String imports = """
                  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
                """;
        String wat = WasiScript.wat("", """
                (call $say {"args-sizes"} (call $args_sizes_get (i32.const 300) (i32.const 304)))
                (call $say {"argc"} (i32.load (i32.const 300)))
                (call $say {"argv-bytes"} (i32.load (i32.const 304)))
                (call $say {"args"} (call $args_get (i32.const 8192) (i32.const 12288)))
                (call $print (i32.const 12288) (i32.load (i32.const 304)))
                (call $print (i32.const 232) (i32.const 1))
                (call $say {"argv2-at"} (i32.sub (i32.load (i32.const 8200)) (i32.const 12288)))
                (call $say {"environ-sizes"} (call $environ_sizes_get (i32.const 300) (i32.const 304)))
                (call $say {"envc"} (i32.load (i32.const 300)))
                (call $say {"environ"} (call $environ_get (i32.const 8192) (i32.const 12288)))
                (call $print (i32.const 12288) (i32.load (i32.const 304)))
                (call $print (i32.const 232) (i32.const 1))
                (call $say {"args-fault"} (call $args_sizes_get (i32.const 65534) (i32.const 304)))
                (call $say {"environ-fault"} (call $environ_get (i32.const 65535) (i32.const 12288)))
                (call $say {"random"} (call $random_get (i32.const 16384) (i32.const 64)))
                (call $say {"random-fault"} (call $random_get (i32.const 65500) (i32.const 100)))
                (call $say {"yield"} (call $sched_yield))
                (call $say {"res-mono"} (call $clock_res_get (i32.const 1) (i32.const 40)))
                (call $num64 (i64.load (i32.const 40)))
                (call $say {"time-real"} (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 40)))
                (call $say {"time-bad-clock"} (call $clock_time_get (i32.const 7) (i64.const 1) (i32.const 40)))
                (call $say {"time-fault"} (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 65535)))
                (i64.store (i32.const 20000) (i64.const 77))
                (i32.store8 (i32.const 20008) (i32.const 0))
                (i32.store (i32.const 20016) (i32.const 1))
                (i64.store (i32.const 20024) (i64.const 1000000))
                (i64.store (i32.const 20032) (i64.const 0))
                (i32.store16 (i32.const 20040) (i32.const 0))
                (call $say {"poll"} (call $poll_oneoff (i32.const 20000) (i32.const 21000) (i32.const 1) (i32.const 24)))
                (call $say {"events"} (i32.load (i32.const 24)))
                (call $say {"userdata"} (i32.wrap_i64 (i64.load (i32.const 21000))))
                (call $say {"poll-none"} (call $poll_oneoff (i32.const 20000) (i32.const 21000) (i32.const 0) (i32.const 24)))
                (call $say {"poll-fault"} (call $poll_oneoff (i32.const 65500) (i32.const 21000) (i32.const 1) (i32.const 24)))
                (call $say {"stdout-fdstat"} (call $fd_fdstat_get (i32.const 1) (i32.const 136)))
                (call $say {"stdout-type"} (i32.load8_u (i32.const 136)))
                (call $num64 (i64.load (i32.const 144)))
                (call $say {"dir-fdstat"} (call $fd_fdstat_get (i32.const 3) (i32.const 136)))
                (call $num64 (i64.load (i32.const 144)))
                (call $num64 (i64.load (i32.const 152)))
                (call $say {"stdout-fault"} (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 24)))
                (call $proc_exit (i32.const 300))
                """).replace("  (memory (export", imports + "  (memory (export");
        Trees trees = trees(dir -> { });
        LaunchConfig config = LaunchConfig.of("calls.wasm", "one", "\u00e9t\u00e9")
                .withEnv(java.util.Map.of("A", "1"));
        Run keep = both(LinkedApps.wat(wat), config, List.of(new Preopen("/jail", trees.keep(), false)),
                List.of(new Preopen("/jail", trees.nil(), false)));
        assertEquals(300 & 0xFF, keep.exit(), "proc_exit hands on the status modulo 256");
        assertTrue(keep.out().startsWith("args-sizes=0\nargc=3\nargv-bytes=21\nargs=0\ncalls.wasm\0one\0"
                + "\u00e9t\u00e9\0\nargv2-at=15\nenviron-sizes=0\nenvc=1\nenviron=0\nA=1\0\n"
                + "args-fault=21\nenviron-fault=21\nrandom=0\nrandom-fault=21\nyield=0\nres-mono=0\n1\n"
                + "time-real=0\ntime-bad-clock=28\ntime-fault=21\npoll=0\nevents=1\nuserdata=77\n"
                + "poll-none=28\npoll-fault=21\nstdout-fdstat=0\nstdout-type=2\n"), keep.out());
        assertTrue(keep.out().endsWith("stdout-fault=21\n"), keep.out());
    }
}
