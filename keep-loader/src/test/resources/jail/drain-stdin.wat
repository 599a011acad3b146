;; Jail test app: reads stdin until it is closed, then prints how many bytes it read ("read N").
;; It blocks while stdin stays open, which lets a test inspect the running runner.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovec for reading at 0: buffer 1024, length 4096; nread at 16; output text at 64.
  (data (i32.const 64) "read ")
  (func $digits (param $n i32) (param $at i32) (result i32)
    ;; writes $n in decimal at $at, returns the number of digits
    (local $len i32) (local $tmp i32)
    (local.set $tmp (local.get $n))
    (loop $count
      (local.set $len (i32.add (local.get $len) (i32.const 1)))
      (local.set $tmp (i32.div_u (local.get $tmp) (i32.const 10)))
      (br_if $count (i32.ne (local.get $tmp) (i32.const 0))))
    (local.set $tmp (local.get $len))
    (loop $write
      (local.set $tmp (i32.sub (local.get $tmp) (i32.const 1)))
      (i32.store8 (i32.add (local.get $at) (local.get $tmp))
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $write (i32.ne (local.get $tmp) (i32.const 0))))
    (local.get $len))
  (func (export "_start")
    (local $total i32) (local $len i32)
    (i32.store (i32.const 0) (i32.const 1024))
    (i32.store (i32.const 4) (i32.const 4096))
    (block $eof
      (loop $more
        (br_if $eof (i32.ne (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 16)) (i32.const 0)))
        (br_if $eof (i32.eqz (i32.load (i32.const 16))))
        (local.set $total (i32.add (local.get $total) (i32.load (i32.const 16))))
        (br $more)))
    (local.set $len (call $digits (local.get $total) (i32.const 69)))
    (i32.store8 (i32.add (i32.const 69) (local.get $len)) (i32.const 10))
    (i32.store (i32.const 32) (i32.const 64))
    (i32.store (i32.const 36) (i32.add (i32.const 6) (local.get $len)))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40)))))
