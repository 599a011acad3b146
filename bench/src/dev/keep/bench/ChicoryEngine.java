package dev.keep.bench;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;

/** Chicory 1.7.5, either its interpreter or its compiler to JVM bytecode (MachineFactoryCompiler). */
final class ChicoryEngine implements Engine {
    private final boolean compiled;

    ChicoryEngine(boolean compiled) {
        this.compiled = compiled;
    }

    @Override
    public String name() {
        return compiled ? "chicory-compiler" : "chicory-interp";
    }

    @Override
    public Loaded load(byte[] wasm) {
        WasmModule module = Parser.parse(wasm);
        Instance.Builder builder = Instance.builder(module);
        if (compiled) {
            builder.withMachineFactory(MachineFactoryCompiler.compile(module));
        }
        ExportFunction run = builder.build().export("run");
        return units -> run.apply(units)[0];
    }
}
