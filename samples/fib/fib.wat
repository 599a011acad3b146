;; fib: prints fib(N) for the N given as its first argument (0 <= N <= 93, so the result fits in
;; 64 unsigned bits). Usage errors go to stderr with exit status 2.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  ;; Memory map: 0 iovec, 8 bytes written, 16 argc, 20 argv buffer size, 64..1023 argv pointers,
  ;; 1024..1151 messages, 2048..2079 digits, 4096..65535 argv strings.
  (memory (export "memory") 1)
  (data (i32.const 1024) "usage: fib N   (0 <= N <= 93)\n")       ;; 30 bytes
  (data (i32.const 1088) "fib: N must be a whole number from 0 to 93\n") ;; 43 bytes
  (data (i32.const 1152) "fib: arguments too long\n")              ;; 24 bytes

  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func $fail (param $ptr i32) (param $len i32)
    (call $write (i32.const 2) (local.get $ptr) (local.get $len))
    (call $proc_exit (i32.const 2)))

  ;; Parses a NUL-terminated decimal string; -1 when it is empty, not all digits, or above 93.
  (func $parse (param $p i32) (result i64)
    (local $n i64) (local $c i32) (local $digits i32)
    (block $done
      (loop $next
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done (i32.eqz (local.get $c)))
        (if (i32.or (i32.lt_u (local.get $c) (i32.const 48)) (i32.gt_u (local.get $c) (i32.const 57)))
          (then (return (i64.const -1))))
        (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 10))
                               (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
        (if (i64.gt_u (local.get $n) (i64.const 93)) (then (return (i64.const -1))))
        (local.set $digits (i32.add (local.get $digits) (i32.const 1)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (if (result i64) (i32.eqz (local.get $digits))
      (then (i64.const -1))
      (else (local.get $n))))

  (func $fib (export "fib") (param $n i64) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    (local.set $b (i64.const 1))
    (block $done
      (loop $step
        (br_if $done (i64.eqz (local.get $n)))
        (local.set $t (i64.add (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $step)))
    (local.get $a))

  ;; Writes the unsigned decimal form of $v and a newline to stdout.
  (func $print_u64 (param $v i64)
    (local $p i32)
    (local.set $p (i32.const 2079))
    (i32.store8 (local.get $p) (i32.const 10))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (call $write (i32.const 1) (local.get $p) (i32.sub (i32.const 2080) (local.get $p))))

  (func (export "_start")
    (local $n i64)
    (drop (call $args_sizes_get (i32.const 16) (i32.const 20)))
    (if (i32.lt_u (i32.load (i32.const 16)) (i32.const 2))
      (then (call $fail (i32.const 1024) (i32.const 30))))
    (if (i32.or (i32.gt_u (i32.load (i32.const 16)) (i32.const 240))
                (i32.gt_u (i32.load (i32.const 20)) (i32.const 61440)))
      (then (call $fail (i32.const 1152) (i32.const 24))))
    (drop (call $args_get (i32.const 64) (i32.const 4096)))
    (local.set $n (call $parse (i32.load (i32.const 68))))
    (if (i64.lt_s (local.get $n) (i64.const 0))
      (then (call $fail (i32.const 1088) (i32.const 43))))
    (call $print_u64 (call $fib (local.get $n)))))
