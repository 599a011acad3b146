package dev.keep.loader.nil;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.runtime.TrapException;
import com.dylibso.chicory.runtime.WasmRuntimeException;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.UnlinkableException;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionType;
import dev.keep.loader.KeepException;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.Backend;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.backend.EvidenceSource;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.FunctionTypes;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.LaunchFd;
import dev.keep.loader.wasi.host.LaunchFds;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.loader.wasm.ImportCheck;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs the app in this JVM on Chicory, with WASI preview1 served by Keep's own WASI host (the
 * {@link WasiCallHandler} a keep's host side uses, through {@link KeepWasiFunctions}), so files,
 * errnos and the directory jail behave as in a keep. It exists for development: there is no
 * isolation at all (the app shares the host process, and the host sees and can change everything),
 * and no hardware attestation: its evidence is software evidence, which an attestation service accepts only
 * where its policy says so explicitly. It compiles the module to JVM bytecode with Chicory's compiler, falling back
 * to the interpreter for functions the compiler cannot take, or for the whole module if it fails.
 */
public final class NilBackend implements Backend {
    static final String NO_ISOLATION =
            "development backend: runs in-process on Chicory with NO isolation and no hardware attestation";

    private final Consumer<String> verbose;

    /** Whether this is a jailed runner's backend, which must not touch the user's cache. */
    private final boolean inJail;
    /** A jailed runner's classes from its supervisor, when it sent them. */
    private final Optional<CompiledClasses> precompiled;

    public NilBackend(Consumer<String> verbose) {
        this(verbose, false, Optional.empty());
    }

    private NilBackend(Consumer<String> verbose, boolean inJail, Optional<CompiledClasses> precompiled) {
        this.verbose = verbose;
        this.inJail = inJail;
        this.precompiled = precompiled;
    }

    /**
     * The backend as a jailed runner uses it (the jail is the isolation; the runner says nothing
     * about its absence).
     *
     * @param precompiled the app's classes, compiled by the runner's supervisor: used instead of the
     *     user's cache, which is then neither read nor written
     */
    public static NilBackend forJailedRunner(Consumer<String> verbose, Optional<CompiledClasses> precompiled) {
        return new NilBackend(verbose, true, precompiled);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.NIL;
    }

    @Override
    public Availability availability() {
        return Availability.available(NO_ISOLATION);
    }

    @Override
    public RunResult run(KeepLaunch launch) {
        verbose.accept("nil: " + NO_ISOLATION);
        launch.app().requireRunnableOnChicory();
        requireStart(launch.app());
        return run(launch, WasiBindingBuilder.build(launch));
    }

    /**
     * Runs with fds 3 onwards already open (directories to open by path, sockets open): the
     * jailed runner's case, whose descriptors come from its supervisor. Only entries 0..2 of the
     * launch's files are read. The sockets are this backend's from now on.
     */
    public RunResult run(KeepLaunch launch, List<LaunchFd> opened) {
        if (!inJail) {
            verbose.accept("nil: " + NO_ISOLATION);
        }
        try {
            launch.app().requireRunnableOnChicory();
            requireStart(launch.app());
        } catch (RuntimeException e) {
            LaunchFds.closeSockets(opened);
            throw e;
        }
        return run(launch, WasiBindingBuilder.build(launch, opened));
    }

    private RunResult run(KeepLaunch launch, WasiBindingBuilder.WasiBinding binding) {
        AppModule app = launch.app();
        try (WasiCallHandler wasi = openHandler(app, binding)) {
            List<HostFunction> functions = KeepWasiFunctions.of(wasi, launch.argv(), launch.env(),
                    binding.stdout(), binding.stderr());
            ImportCheck.requireProvided(app, functions);
            Function<Instance, Machine> machine = machineFactory(app.module());
            Instance.Builder instance = Instance.builder(app.module())
                    .withImportValues(ImportValues.builder()
                            .addFunction(functions.toArray(HostFunction[]::new)).build())
                    .withMachineFactory(machine)
                    .withMemoryFactory(FillCheckedMemory.FACTORY)
                    .withTableFactory(BoundsCheckedTable.FACTORY);
            MemoryBudget.ofHeap().limitsFor(app).ifPresent(instance::withMemoryLimits);
            instance.build();
            return new RunResult.Exited(0);
        } catch (WasiExitException e) {
            return new RunResult.Exited(e.exitCode());
        } catch (UnlinkableException e) {
            throw new KeepException(app.path() + ": cannot link: " + e.getMessage(), e);
        } catch (UninstantiableException e) {
            throw new KeepException(app.path() + ": cannot instantiate: " + e.getMessage(), e);
        } catch (TrapException | WasmRuntimeException e) {
            return new RunResult.Trapped(e.getMessage());
        } catch (StackOverflowError e) {
            return new RunResult.Trapped("call stack exhausted");
        } catch (OutOfMemoryError e) {
            throw new KeepException(app.path() + ": the host ran out of memory for the app (" + e.getMessage() + ")");
        } catch (ChicoryException e) {
            // Chicory reports some traps (call stack exhausted, indirect call type mismatch) as its base type.
            return new RunResult.Trapped(e.getMessage());
        }
    }

    /** The app's fd table: its streams, its sockets and its preopened directories, opened now. */
    private static WasiCallHandler openHandler(AppModule app, WasiBindingBuilder.WasiBinding binding) {
        try {
            return new WasiCallHandler(binding.stdin(), binding.stdout(), binding.stderr(),
                    binding.launchFds(), KeepLimits.DEFAULT);
        } catch (FsException e) {
            throw new KeepException(app.path() + ": cannot preopen a directory: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new KeepException(app.path() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Software evidence with the {@link NilMeasurement} of the launch. The loader produces it in this JVM, so it has
     * no hardware root: nothing but the loader vouches for it.
     */
    @Override
    public Optional<EvidenceSource> evidenceSource(KeepLaunch launch) {
        return Optional.of(EvidenceSource.software(kind().cliName(), NilMeasurement.of(launch)));
    }

    /** WASI commands start at {@code _start: [] -> []}; without it nothing would run. */
    private static void requireStart(AppModule app) {
        WasmModule module = app.module();
        for (int i = 0; i < module.exportSection().exportCount(); i++) {
            Export export = module.exportSection().getExport(i);
            if (export.name().equals("_start")) {
                if (export.exportType() != ExternalType.FUNCTION) {
                    throw new KeepException(app.path() + ": exports _start, but not as a function");
                }
                FunctionType type = FunctionTypes.of(module, (int) export.index());
                if (!type.params().isEmpty() || !type.returns().isEmpty()) {
                    throw new KeepException(app.path() + ": _start has type " + type + ", expected () -> ()");
                }
                return;
            }
        }
        throw new KeepException(app.path() + ": exports no _start function; Keep runs WASI command modules");
    }

    /** Chicory's compiler as this backend configures it, for the module. */
    static MachineFactoryCompiler.Builder compiler(WasmModule module) {
        return MachineFactoryCompiler.builder(module).withInterpreterFallback(InterpreterFallback.SILENT);
    }

    private Function<Instance, Machine> machineFactory(WasmModule module) {
        try {
            MachineFactoryCompiler.Builder builder = compiler(module);
            Optional<CompiledClasses> given = precompiled.filter(c -> c.moduleDigest().equals(module.digest()));
            if (given.isPresent()) {
                builder.withCache(given.get().asCache());
            } else if (!inJail) {
                CompiledModuleCache.forUser().ifPresent(builder::withCache);
            }
            Function<Instance, Machine> compiled = builder.compile();
            verbose.accept(given.isPresent()
                    ? "nil: JVM bytecode compiled ahead by the supervisor (" + (given.get().jar().length >> 10) + " KiB)"
                    : "nil: compiled to JVM bytecode by Chicory's compiler");
            return compiled;
        } catch (RuntimeException e) {
            verbose.accept("nil: Chicory's compiler failed (" + e.getMessage() + "); using the interpreter");
            return InterpreterMachine::new;
        }
    }

}
