;; Test app: asks for the largest linear memory a wasm32 module can declare (4 GiB) up front.
(module (memory (export "memory") 65536) (func (export "_start")))
