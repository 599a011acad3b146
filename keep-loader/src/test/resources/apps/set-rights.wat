;; Calls fd_fdstat_set_rights on stdout (Chicory's WASI does not support it) and prints the errno it
;; got as one digit pair, then "done": the app's own output must be all that reaches stdout and stderr.
(module
  (import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $set_rights (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 32) "errno ??, done\n")
  (func (export "_start")
    (local $errno i32)
    (local.set $errno (call $set_rights (i32.const 1) (i64.const 0) (i64.const 0)))
    (i32.store8 (i32.const 38) (i32.add (i32.const 48) (i32.div_u (local.get $errno) (i32.const 10))))
    (i32.store8 (i32.const 39) (i32.add (i32.const 48) (i32.rem_u (local.get $errno) (i32.const 10))))
    (i32.store (i32.const 0) (i32.const 32))
    (i32.store (i32.const 4) (i32.const 15))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))
