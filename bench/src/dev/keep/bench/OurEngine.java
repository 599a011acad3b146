package dev.keep.bench;

import dev.keep.shim.compiler.CompilerOptions;
import dev.keep.shim.compiler.ModuleCompiler;
import dev.keep.shim.compiler.NativeBridge;

/**
 * Our compiler's output run natively in this process by wasm-shim's test harness. There is no
 * /dev/kvm here, so this stands in for the kvm backend: it is the same machine code the keep runs
 * at CPL3 (explicit bounds checks, separate Wasm stack), only entered through Panama instead of
 * a VM entry. With guard regions, linear memory sits in an 8 GiB slot of which only the current
 * size is mapped and the harness's SIGSEGV handler turns faults into traps.
 */
final class OurEngine implements Engine {
    private final CompilerOptions options;

    /** Explicit bounds checks (what the keep runs today) or guard regions (faults become traps). */
    OurEngine(CompilerOptions options) {
        this.options = options;
    }

    @Override
    public String name() {
        return options.usesGuardRegion() ? "ours-guard" : "ours";
    }

    @Override
    public Loaded load(byte[] wasm) {
        NativeBridge instance = NativeBridge.instantiate(ModuleCompiler.compile(wasm, options));
        return new Loaded() {
            @Override
            public long run(int units) {
                return instance.invoke("run", units)[0];
            }

            @Override
            public void close() {
                instance.close();
            }
        };
    }
}
