;; cat: copies a file, or standard input when no FILE is given, to standard output.
;; FILE is a guest path such as /data/notes.txt inside one of the directories the keep preopens
;; (Keep.toml [[files]] kind = "dir", or --dir). Errors go to stderr with exit status 1; usage, 2.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  ;; Memory map: 0 write iovec, 8 bytes written, 16 argc, 20 argv buffer size, 32 prestat,
  ;; 40 opened fd, 48 read iovec, 56 bytes read, 64..1023 argv pointers, 1024..2047 preopen name,
  ;; 2048.. messages, 4096..36863 copy buffer, 36864..65535 argv strings.
  (memory (export "memory") 1)
  (data (i32.const 2048) "usage: cat [FILE]\n") ;; usage: 18 bytes
  (data (i32.const 2080) "cat: no preopened directory holds ") ;; noroot: 34 bytes
  (data (i32.const 2128) "cat: cannot open ") ;; noopen: 17 bytes
  (data (i32.const 2160) "\n") ;; nl: 1 bytes
  (data (i32.const 2176) "cat: read error\n") ;; rderr: 16 bytes
  (data (i32.const 2192) "cat: write error\n") ;; wrerr: 17 bytes
  (data (i32.const 2224) "cat: arguments too long\n") ;; long: 24 bytes

  (global $rel_ptr (mut i32) (i32.const 0))
  (global $rel_len (mut i32) (i32.const 0))

  ;; Writes all of [ptr, ptr+len) to fd; false when a write fails.
  (func $write_all (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 0) (local.get $ptr))
        (i32.store (i32.const 4) (local.get $len))
        (if (i32.ne (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8)) (i32.const 0))
          (then (return (i32.const 0))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 8))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 8))))
        (br $more)))
    (i32.const 1))

  (func $say (param $ptr i32) (param $len i32)
    (drop (call $write_all (i32.const 2) (local.get $ptr) (local.get $len))))

  (func $die (param $ptr i32) (param $len i32) (param $status i32)
    (call $say (local.get $ptr) (local.get $len))
    (call $proc_exit (local.get $status)))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $end
      (loop $next
        (br_if $end (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $starts_with (param $s i32) (param $prefix i32) (param $len i32) (result i32)
    (local $i i32)
    (block $differ
      (loop $next
        (if (i32.ge_u (local.get $i) (local.get $len)) (then (return (i32.const 1))))
        (br_if $differ (i32.ne (i32.load8_u (i32.add (local.get $s) (local.get $i)))
                               (i32.load8_u (i32.add (local.get $prefix) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; Finds the preopened directory whose name is a leading path component of [path, path+len);
  ;; returns its fd and leaves the rest of the path in $rel_ptr/$rel_len, or returns -1.
  (func $find_preopen (param $path i32) (param $len i32) (result i32)
    (local $fd i32) (local $name_len i32) (local $skip i32)
    (local.set $fd (i32.const 3))
    (loop $next_fd
      (if (i32.ne (call $fd_prestat_get (local.get $fd) (i32.const 32)) (i32.const 0))
        (then (return (i32.const -1))))
      (local.set $name_len (i32.load (i32.const 36)))
      (if (i32.and (i32.eqz (i32.load8_u (i32.const 32)))
                   (i32.and (i32.le_u (local.get $name_len) (i32.const 1000))
                            (i32.lt_u (local.get $name_len) (local.get $len))))
        (then
          (if (i32.eqz (call $fd_prestat_dir_name (local.get $fd) (i32.const 1024) (local.get $name_len)))
            (then
              (if (call $starts_with (local.get $path) (i32.const 1024) (local.get $name_len))
                (then
                  ;; "/data" holds "/data/x"; a name ending in '/' (such as "/") holds what follows it.
                  (local.set $skip (i32.const -1))
                  (if (i32.eq (i32.load8_u (i32.add (i32.const 1023) (local.get $name_len))) (i32.const 47))
                    (then (local.set $skip (local.get $name_len))))
                  (if (i32.eq (i32.load8_u (i32.add (local.get $path) (local.get $name_len))) (i32.const 47))
                    (then (local.set $skip (i32.add (local.get $name_len) (i32.const 1)))))
                  (if (i32.and (i32.ge_s (local.get $skip) (i32.const 0)) (i32.lt_u (local.get $skip) (local.get $len)))
                    (then
                      (global.set $rel_ptr (i32.add (local.get $path) (local.get $skip)))
                      (global.set $rel_len (i32.sub (local.get $len) (local.get $skip)))
                      (return (local.get $fd))))))))))
      (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
      (br $next_fd))
    (i32.const -1))

  (func $open_arg (param $path i32) (result i32)
    (local $len i32) (local $dir i32)
    (local.set $len (call $strlen (local.get $path)))
    (local.set $dir (call $find_preopen (local.get $path) (local.get $len)))
    (if (i32.lt_s (local.get $dir) (i32.const 0))
      (then
        (call $say (i32.const 2080) (i32.const 34))
        (call $say (local.get $path) (local.get $len))
        (call $die (i32.const 2160) (i32.const 1) (i32.const 1))))
    ;; rights: fd_read | fd_seek | fd_tell; follow symlinks (lookupflags 1).
    (if (i32.ne (call $path_open (local.get $dir) (i32.const 1) (global.get $rel_ptr) (global.get $rel_len)
                  (i32.const 0) (i64.const 0x26) (i64.const 0) (i32.const 0) (i32.const 40))
                (i32.const 0))
      (then
        (call $say (i32.const 2128) (i32.const 17))
        (call $say (local.get $path) (local.get $len))
        (call $die (i32.const 2160) (i32.const 1) (i32.const 1))))
    (i32.load (i32.const 40)))

  (func (export "_start")
    (local $in i32) (local $argc i32)
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (local.set $argc (i32.load (i32.const 16)))
    (if (i32.or (i32.gt_u (local.get $argc) (i32.const 240)) (i32.gt_u (i32.load (i32.const 20)) (i32.const 28672)))
      (then (call $die (i32.const 2224) (i32.const 24) (i32.const 2))))
    (if (i32.gt_u (local.get $argc) (i32.const 2))
      (then (call $die (i32.const 2048) (i32.const 18) (i32.const 2))))
    (drop (call $args_get (i32.const 64) (i32.const 36864)))
    (if (i32.eq (local.get $argc) (i32.const 2))
      (then (local.set $in (call $open_arg (i32.load (i32.const 68))))))
    (block $eof
      (loop $copy
        (i32.store (i32.const 48) (i32.const 4096))
        (i32.store (i32.const 52) (i32.const 32768))
        (if (i32.ne (call $fd_read (local.get $in) (i32.const 48) (i32.const 1) (i32.const 56)) (i32.const 0))
          (then (call $die (i32.const 2176) (i32.const 16) (i32.const 1))))
        (br_if $eof (i32.eqz (i32.load (i32.const 56))))
        (if (i32.eqz (call $write_all (i32.const 1) (i32.const 4096) (i32.load (i32.const 56))))
          (then (call $die (i32.const 2192) (i32.const 17) (i32.const 1))))
        (br $copy)))))
