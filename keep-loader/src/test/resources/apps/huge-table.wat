;; Test app: declares a table of ten million function references.
(module (table 10000000 funcref) (memory (export "memory") 1) (func (export "_start")))
