package dev.keep.loader.invoke.nil;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.function.Function;

/** How the nil backend executes a module's code: Chicory's compiler or its interpreter. */
public enum NilMachines {
    /**
     * JVM bytecode from Chicory's compiler, as {@code keep run} uses; functions too large for it are
     * interpreted, and the whole module is when the compiler fails.
     */
    COMPILER {
        @Override
        Function<Instance, Machine> factory(WasmModule module) {
            try {
                return MachineFactoryCompiler.builder(module)
                        .withInterpreterFallback(InterpreterFallback.SILENT)
                        .compile();
            } catch (RuntimeException e) {
                return InterpreterMachine::new;
            }
        }
    },
    /** Chicory's interpreter: no compile step, so cheaper for the many tiny modules of a .wast. */
    INTERPRETER {
        @Override
        Function<Instance, Machine> factory(WasmModule module) {
            return InterpreterMachine::new;
        }
    };

    abstract Function<Instance, Machine> factory(WasmModule module);
}
