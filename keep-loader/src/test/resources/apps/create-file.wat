;; Test app: creates out.txt in the directory preopened as fd 3 and writes to it.
;; Exits with the WASI errno of the first call that fails, or 0.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "out.txt")
  (data (i32.const 96) "written\n")
  (func (export "_start")
    (local $errno i32)
    ;; oflags creat|trunc, rights fd_write.
    (local.set $errno (call $path_open (i32.const 3) (i32.const 0) (i32.const 64) (i32.const 7)
      (i32.const 9) (i64.const 0x40) (i64.const 0) (i32.const 0) (i32.const 32)))
    (if (local.get $errno) (then (call $proc_exit (local.get $errno))))
    (i32.store (i32.const 0) (i32.const 96))
    (i32.store (i32.const 4) (i32.const 8))
    (call $proc_exit (call $fd_write (i32.load (i32.const 32)) (i32.const 0) (i32.const 1) (i32.const 8)))))
