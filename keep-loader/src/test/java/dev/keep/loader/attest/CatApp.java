package dev.keep.loader.attest;

import com.dylibso.chicory.wabt.Wat2Wasm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds a small WASI app that opens files beneath its first preopened directory (fd 3) with path_open and copies
 * each to stdout, as a keep's app would read its certificate and secrets. A failed path_open exits with
 * 100 + errno, a failed fd_read with 200 + errno. With {@code create} set it instead tries to create the first path
 * for writing, to show that the directory is read-only.
 */
final class CatApp {
    private CatApp() {}

    static Path build(Path dir, String name, List<String> paths) throws IOException {
        return write(dir, name, paths, false);
    }

    static Path creator(Path dir, String name, String path) throws IOException {
        return write(dir, name, List.of(path), true);
    }

    private static Path write(Path dir, String name, List<String> paths, boolean create) throws IOException {
        StringBuilder data = new StringBuilder();
        StringBuilder calls = new StringBuilder();
        int offset = 8192;
        for (String p : paths) {
            int length = p.getBytes(StandardCharsets.UTF_8).length;
            data.append("  (data (i32.const ").append(offset).append(") \"").append(p).append("\")\n");
            calls.append("    (call $cat (i32.const ").append(offset).append(") (i32.const ").append(length)
                    .append("))\n");
            offset += length + 16;
        }
        // oflags creat (1) with the fd_write right (0x40) asks to create; otherwise open for fd_read (0x2) only.
        String oflags = create ? "1" : "0";
        String rights = create ? "0x40" : "0x2";
        String wat = """
                (module
                  (import "wasi_snapshot_preview1" "path_open"
                    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
                  (memory (export "memory") 1)
                %s
                  (func $cat (param $path i32) (param $len i32)
                    (local $fd i32) (local $err i32) (local $n i32)
                    (local.set $err (call $path_open (i32.const 3) (i32.const 0) (local.get $path) (local.get $len)
                      (i32.const %s) (i64.const %s) (i64.const 0) (i32.const 0) (i32.const 16)))
                    (if (local.get $err) (then (call $proc_exit (i32.add (i32.const 100) (local.get $err)))))
                    (local.set $fd (i32.load (i32.const 16)))
                    (block $done
                      (loop $copy
                        (i32.store (i32.const 0) (i32.const 1024))
                        (i32.store (i32.const 4) (i32.const 4096))
                        (local.set $err (call $fd_read (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 20)))
                        (if (local.get $err) (then (call $proc_exit (i32.add (i32.const 200) (local.get $err)))))
                        (local.set $n (i32.load (i32.const 20)))
                        (br_if $done (i32.eqz (local.get $n)))
                        (i32.store (i32.const 4) (local.get $n))
                        (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 20)))
                        (br $copy)))
                    (drop (call $fd_close (local.get $fd))))
                  (func (export "_start")
                %s  ))
                """.formatted(data, oflags, rights, calls);
        Path watFile = dir.resolve(name + ".wat");
        Files.writeString(watFile, wat);
        Path wasm = dir.resolve(name + ".wasm");
        Files.write(wasm, Wat2Wasm.parse(watFile.toFile()));
        return wasm;
    }
}
