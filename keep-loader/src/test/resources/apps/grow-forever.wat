;; Test app: grows its memory until memory.grow fails, then exits with status 3.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $more (br_if $more (i32.ne (memory.grow (i32.const 1024)) (i32.const -1))))
    (call $proc_exit (i32.const 3))))
