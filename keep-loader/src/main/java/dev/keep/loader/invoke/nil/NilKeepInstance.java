package dev.keep.loader.invoke.nil;

import com.dylibso.chicory.runtime.ExportFunction;
import com.dylibso.chicory.runtime.GlobalInstance;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.InvalidException;
import com.dylibso.chicory.wasm.MalformedException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MutabilityType;
import dev.keep.loader.KeepException;
import dev.keep.loader.invoke.InvalidModule;
import dev.keep.loader.invoke.KeepInstance;
import dev.keep.loader.invoke.KeepMemory;
import dev.keep.loader.invoke.LinkFailure;
import dev.keep.loader.invoke.WasmTrap;
import dev.keep.loader.wasm.AppModule;
import java.util.Optional;

/** A {@link KeepInstance} on the nil backend: a Chicory instance in this JVM, with no isolation. */
public final class NilKeepInstance implements KeepInstance {
    private final Instance instance;
    private final String label;
    private boolean closed;

    private NilKeepInstance(Instance instance, String label) {
        this.instance = instance;
        this.label = label;
    }

    /**
     * Instantiates {@code module} with {@code imports} (host functions, globals, memories, tables),
     * running its start function, on Chicory's compiler.
     */
    public static NilKeepInstance create(AppModule module, ImportValues imports) {
        return create(module, imports, NilMachines.COMPILER);
    }

    public static NilKeepInstance create(AppModule module, ImportValues imports, NilMachines machines) {
        module.requireRunnableOnChicory();
        String label = module.path().toString();
        try {
            Instance instance = Instance.builder(module.module())
                    .withImportValues(imports)
                    // Only the module's start section runs at instantiation; a WASI _start export
                    // is an ordinary function here, called when the host invokes it.
                    .withStart(false)
                    .withMachineFactory(machines.factory(module.module()))
                    .withMemoryFactory(dev.keep.loader.nil.FillCheckedMemory.FACTORY)
                    .withTableFactory(dev.keep.loader.nil.BoundsCheckedTable.FACTORY)
                    .build();
            return new NilKeepInstance(instance, label);
        } catch (UnlinkableException e) {
            throw new LinkFailure(label + ": cannot link: " + e.getMessage(), e);
        } catch (MalformedException | InvalidException e) {
            throw new InvalidModule(label + ": " + e.getMessage(), e);
        } catch (UninstantiableException | TrapException | WasmRuntimeException e) {
            throw ChicoryTraps.trap(e);
        } catch (StackOverflowError e) {
            throw ChicoryTraps.stackExhausted(e);
        } catch (ChicoryException e) {
            // Chicory reports a few traps (call stack exhausted, indirect call type mismatch) with its base type.
            throw ChicoryTraps.trap(e);
        }
    }

    /** The Chicory instance, for the nil store's {@code register}. */
    Instance chicory() {
        return instance;
    }

    @Override
    public long[] invoke(String export, long... args) {
        requireOpen();
        FunctionType type = functionType(export);
        if (type.params().size() != args.length) {
            throw new KeepException(label + ": " + export + " takes " + type.params().size() + " argument(s), got " + args.length);
        }
        ExportFunction function = instance.export(export);
        try {
            long[] results = function.apply(args);
            return results == null ? new long[0] : results;
        } catch (com.dylibso.chicory.wasi.WasiExitException e) {
            throw new dev.keep.loader.invoke.ModuleExited(e.exitCode() & 0xFF, e);
        } catch (TrapException | WasmRuntimeException e) {
            throw ChicoryTraps.trap(e);
        } catch (StackOverflowError e) {
            throw ChicoryTraps.stackExhausted(e);
        } catch (ChicoryException e) {
            throw ChicoryTraps.trap(e);
        }
    }

    @Override
    public long global(String export) {
        return globalInstance(export).getValue();
    }

    @Override
    public void setGlobal(String export, long rawBits) {
        GlobalInstance global = globalInstance(export);
        if (global.getMutabilityType() != MutabilityType.Var) {
            throw new KeepException(label + ": global " + export + " is immutable");
        }
        global.setValue(rawBits);
    }

    @Override
    public KeepMemory memory() {
        requireOpen();
        Optional<String> named = exportOf("memory", ExternalType.MEMORY).map(Export::name);
        if (named.isPresent()) {
            return memory(named.get());
        }
        var memories = exports().filter(e -> e.exportType() == ExternalType.MEMORY).toList();
        if (memories.size() != 1) {
            throw new KeepException(label + ": exports " + memories.size() + " memories and none is named \"memory\"");
        }
        return memory(memories.get(0).name());
    }

    @Override
    public KeepMemory memory(String export) {
        requireOpen();
        exportOf(export, ExternalType.MEMORY).orElseThrow(() -> missing("memory", export));
        Memory memory = instance.exports().memory(export);
        return new NilMemory(memory, label + ": memory " + export);
    }

    @Override
    public void close() {
        // A Chicory instance holds only heap objects; closing marks it unusable so a backend that
        // holds real resources (a VM) behaves the same to its callers.
        closed = true;
    }

    private GlobalInstance globalInstance(String export) {
        requireOpen();
        exportOf(export, ExternalType.GLOBAL).orElseThrow(() -> missing("global", export));
        return instance.exports().global(export);
    }

    private FunctionType functionType(String export) {
        exportOf(export, ExternalType.FUNCTION).orElseThrow(() -> missing("function", export));
        return instance.exportType(export);
    }

    private Optional<Export> exportOf(String name, ExternalType kind) {
        return exports().filter(e -> e.name().equals(name) && e.exportType() == kind)
                .findFirst();
    }

    private java.util.stream.Stream<Export> exports() {
        var section = instance.module().exportSection();
        return java.util.stream.IntStream.range(0, section.exportCount()).mapToObj(section::getExport);
    }

    private KeepException missing(String kind, String export) {
        return new KeepException(label + ": exports no " + kind + " named \"" + export + "\"");
    }

    private void requireOpen() {
        if (closed) {
            throw new KeepException(label + ": instance is closed");
        }
    }
}
