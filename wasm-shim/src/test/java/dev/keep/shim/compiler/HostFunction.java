package dev.keep.shim.compiler;

/** A host implementation of an imported function: raw slot values in, raw values out. */
@FunctionalInterface
interface HostFunction {
    long[] apply(long[] args) throws WasmTrap;
}
