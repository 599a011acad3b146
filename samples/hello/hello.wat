;; hello: the smallest WASI program Keep ships. Writes one line to stdout and exits 0.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))

  (memory (export "memory") 1)

  ;; iovec at 0: { buf = 16, len = 19 }; the text starts at 16.
  (data (i32.const 0) "\10\00\00\00\13\00\00\00")
  (data (i32.const 16) "Hello from a keep!\n")

  (func (export "_start")
    ;; fd 1 (stdout), one iovec at 0, bytes written go to 8.
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
