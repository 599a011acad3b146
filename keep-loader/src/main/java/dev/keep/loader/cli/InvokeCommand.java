package dev.keep.loader.cli;

import com.dylibso.chicory.wasm.types.FunctionType;
import dev.keep.loader.ExitCodes;
import dev.keep.loader.KeepException;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.invoke.KeepInstance;
import dev.keep.loader.invoke.KeepStore;
import dev.keep.loader.invoke.ModuleExited;
import dev.keep.loader.invoke.WasmTrap;
import dev.keep.loader.invoke.kvm.KvmStore;
import dev.keep.loader.invoke.nil.NilKeepInstance;
import dev.keep.loader.kvm.KvmStoreCpu;
import dev.keep.loader.nil.InvokeWasi;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code keep invoke}: calls one exported function of a module and prints its results, as
 * {@code wasmtime run --invoke} does; on kvm through a store keep's AWAIT loop.
 */
@Command(name = "invoke", mixinStandardHelpOptions = true,
        description = {
            "Call an exported function of a WebAssembly module with the given arguments and print its results,"
                + " one per line.",
            "Arguments are decimal or 0x-hexadecimal integers, floats (also nan, inf, -inf), or null for a reference."
                + " The module may import WASI (no arguments, no environment, no files; stdout and"
                + " stderr are this command's). Exit status: 0, the module's proc_exit status, 134 for a trap,"
                + " 1 for an error, 2 for a wrong command line."
        })
public final class InvokeCommand implements Callable<Integer> {
    private static final List<String> BACKEND_NAMES = List.of("nil", "kvm");

    private final HostStreams streams;

    @Spec
    CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Option(names = "--backend", paramLabel = "nil|kvm", defaultValue = "nil",
            description = "Backend to run the module on (default: ${DEFAULT-VALUE}).")
    String backend;

    @Parameters(index = "0", paramLabel = "MODULE.wasm", description = "The WebAssembly module.")
    Path module;

    @Parameters(index = "1", paramLabel = "FUNCTION", description = "The exported function to call.")
    String function;

    @Parameters(index = "2..*", paramLabel = "ARG", description = "Its arguments.")
    List<String> args = new ArrayList<>();

    InvokeCommand(HostStreams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() {
        Backends.requireOneOf(spec, backend, BACKEND_NAMES);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> log = VerboseLog.to(err, KeepCommand.verbose(spec, verbosity));
        var selection = Backends.selector(log).select(backend);
        selection.reasoning().forEach(log);
        AppModule app = AppModuleLoader.load(module);
        FunctionType type = InvokeArguments.exportedFunction(app, function);
        long[] raw = InvokeArguments.parse(spec.commandLine(), function, type, args);
        try {
            long[] results = call(selection.backend().kind(), app, raw);
            streams.flushOutput();
            for (int k = 0; k < results.length; k++) {
                out.println(InvokeArguments.format(type.returns().get(k), results[k]));
            }
            out.flush();
            return 0;
        } catch (ModuleExited exited) {
            streams.flushOutput();
            return exited.status();
        } catch (WasmTrap trap) {
            streams.flushOutput();
            err.println("keep: " + app.programName() + " trapped: " + trap.getMessage());
            err.flush();
            return ExitCodes.TRAP;
        }
    }

    /** On either backend the module's WASI has no arguments (argv is empty), as in a store keep. */
    private long[] call(BackendKind kind, AppModule app, long[] raw) {
        return switch (kind) {
            case NIL -> {
                app.requireRunnableOnChicory();
                try (WasiCallHandler wasi = new WasiCallHandler(java.io.InputStream.nullInputStream(), streams.out(),
                        streams.err(), List.of(), KeepLimits.DEFAULT);
                        KeepInstance instance = NilKeepInstance.create(app,
                                InvokeWasi.imports(wasi, List.of(), streams.out(), streams.err()))) {
                    yield instance.invoke(function, raw);
                } catch (FsException e) {
                    throw new KeepException("cannot set up WASI: " + e.getMessage(), e);
                }
            }
            case KVM -> {
                try (KeepStore store = KvmStore.start(new KvmStoreCpu(), KvmStore.DEFAULT_CALL_LIMIT, streams.out(),
                        streams.err())) {
                    yield store.instantiate(app).invoke(function, raw);
                }
            }
            default -> throw new KeepException("keep invoke does not support the " + kind.cliName() + " backend");
        };
    }
}
