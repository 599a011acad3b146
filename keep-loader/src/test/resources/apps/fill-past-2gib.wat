;; memory.fill from 100 for 2^31 - 1 bytes: the end lies past 2 GiB, far outside one page, so it traps.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (memory.fill (i32.const 100) (i32.const 7) (i32.const 2147483647))))
