;; table.copy to index 2^31 - 1 for 3 entries: far past the table's 4, so it traps.
(module
  (table 4 funcref)
  (memory (export "memory") 1)
  (func (export "_start")
    (table.copy (i32.const 2147483647) (i32.const 0) (i32.const 3))))
