package dev.keep.loader.link;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds small WASI test apps in WAT: a prelude of imports and helpers, the test's body as the
 * {@code _start} function, and its string constants. In the body, {@code {"text"}} becomes
 * {@code (i32.const address) (i32.const length)} of that text placed in linear memory.
 *
 * <p>Memory map: 0 print iovec, 8 bytes written, 16 path_open's fd, 24 bytes read/written,
 * 32 read/write iovec, 40 u64 out, 64 filestat, 128 prestat, 136 fdstat, 200..232 number
 * buffer, 960 "=", 1024.. strings, 8192.. I/O buffer, 32768.. directory buffer.
 *
 * <p>Helpers: {@code $print(ptr len)}, {@code $num(i32)} and {@code $num64(i64)} (decimal and a
 * newline), {@code $say(ptr len value)} ("label=value"), {@code $open(dirfd ptr len oflags rights
 * fdflags) -> errno} (fd at 16), {@code $write(fd ptr len) -> errno} (count at 24),
 * {@code $read(fd len) -> errno} (bytes at 8192, count at 24), {@code $printRead}.
 */
final class WasiScript {
    private static final String PRELUDE = """
            (module
              (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_pread" (func $fd_pread (param i32 i32 i32 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_pwrite" (func $fd_pwrite (param i32 i32 i32 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_tell" (func $fd_tell (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fd_filestat_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_filestat_get" (func $path_filestat_get (param i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_create_directory" (func $path_create_directory (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_remove_directory" (func $path_remove_directory (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_unlink_file" (func $path_unlink_file (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_rename" (func $path_rename (param i32 i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_symlink" (func $path_symlink (param i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_readlink" (func $path_readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $fd_fdstat_set_flags (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_advise" (func $fd_advise (param i32 i64 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_allocate" (func $fd_allocate (param i32 i64 i64) (result i32)))
              (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $fd_filestat_set_size (param i32 i64) (result i32)))
              (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $fd_filestat_set_times (param i32 i64 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $path_filestat_set_times (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "path_link" (func $path_link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_sync" (func $fd_sync (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "fd_renumber" (func $fd_renumber (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
              (import "wasi_snapshot_preview1" "clock_res_get" (func $clock_res_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
              (import "wasi_snapshot_preview1" "sched_yield" (func $sched_yield (result i32)))
              (import "wasi_snapshot_preview1" "proc_raise" (func $proc_raise (param i32) (result i32)))
              (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
              (memory (export "memory") 1)
              (data (i32.const 960) "=")
              (func $print (param $p i32) (param $n i32)
                (i32.store (i32.const 0) (local.get $p))
                (i32.store (i32.const 4) (local.get $n))
                (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))
              (func $num64 (param $n i64)
                (local $p i32)
                (local.set $p (i32.const 232))
                (i32.store8 (i32.const 232) (i32.const 10))
                (loop $d
                  (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                  (i64.store8 (local.get $p) (i64.add (i64.const 48) (i64.rem_u (local.get $n) (i64.const 10))))
                  (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
                  (br_if $d (i64.ne (local.get $n) (i64.const 0))))
                (call $print (local.get $p) (i32.sub (i32.const 233) (local.get $p))))
              (func $num (param $n i32) (call $num64 (i64.extend_i32_u (local.get $n))))
              (func $say (param $p i32) (param $n i32) (param $v i32)
                (call $print (local.get $p) (local.get $n))
                (call $print (i32.const 960) (i32.const 1))
                (call $num (local.get $v)))
              (func $open (param $dir i32) (param $p i32) (param $n i32) (param $oflags i32)
                  (param $rights i64) (param $fdflags i32) (result i32)
                (call $path_open (local.get $dir) (i32.const 1) (local.get $p) (local.get $n)
                  (local.get $oflags) (local.get $rights) (i64.const 0) (local.get $fdflags) (i32.const 16)))
              (func $write (param $fd i32) (param $p i32) (param $n i32) (result i32)
                (i32.store (i32.const 32) (local.get $p))
                (i32.store (i32.const 36) (local.get $n))
                (call $fd_write (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 24)))
              (func $read (param $fd i32) (param $n i32) (result i32)
                (i32.store (i32.const 32) (i32.const 8192))
                (i32.store (i32.const 36) (local.get $n))
                (call $fd_read (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 24)))
              (func $printRead
                (call $print (i32.const 8192) (i32.load (i32.const 24)))
                (call $print (i32.const 232) (i32.const 1)))
            """;

    private static final Pattern STRING = Pattern.compile("\\{\"((?:[^\"\\\\]|\\\\.)*)\"\\}");

    private WasiScript() {
    }

    /** The WAT text of an app whose _start has the given locals and body. */
    static String wat(String locals, String body) {
        Map<String, Integer> placed = new LinkedHashMap<>();
        StringBuilder data = new StringBuilder();
        int[] next = {1024};
        Matcher m = STRING.matcher(body);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String text = m.group(1);
            int address = placed.computeIfAbsent(text, t -> {
                int at = next[0];
                int length = t.getBytes(StandardCharsets.UTF_8).length;
                data.append("  (data (i32.const ").append(at).append(") \"").append(t).append("\")\n");
                next[0] += length + 1;
                return at;
            });
            int length = text.getBytes(StandardCharsets.UTF_8).length;
            m.appendReplacement(out, Matcher.quoteReplacement(
                    "(i32.const " + address + ") (i32.const " + length + ")"));
        }
        m.appendTail(out);
        if (next[0] > 8192) {
            throw new IllegalArgumentException("test strings do not fit 1024..8191");
        }
        return PRELUDE + data + "  (func (export \"_start\") " + locals + "\n" + out + "))\n";
    }

    static byte[] wasm(String locals, String body) {
        return LinkedApps.wat(wat(locals, body));
    }
}
