package dev.keep.loader.cli;

import dev.keep.loader.ExitCodes;
import dev.keep.loader.KeepException;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.invoke.kvm.KvmStore;
import dev.keep.loader.invoke.nil.NilMachines;
import dev.keep.loader.invoke.nil.NilStore;
import dev.keep.loader.kvm.KvmStoreCpu;
import dev.keep.loader.wast.NilSpectest;
import dev.keep.loader.wast.WastFileResult;
import dev.keep.loader.wast.WastRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keep wast}: run WebAssembly spec scripts (.wast) on a backend, as {@code wasmtime wast} does. */
@Command(name = "wast", mixinStandardHelpOptions = true,
        description = {
            "Run WebAssembly spec test scripts (.wast) and report, per file, how many commands passed, failed or were skipped.",
            "Exits with 0 when nothing failed, 1 otherwise."
        })
public final class WastCommand implements Callable<Integer> {
    private static final List<String> BACKEND_NAMES = List.of("nil", "kvm");
    static final String KVM_SIMD_REASON = "SIMD (v128) is not supported by the kvm backend yet";

    @Spec
    CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Option(names = "--backend", paramLabel = "nil|kvm", defaultValue = "nil",
            description = "Backend to run the modules on (default: ${DEFAULT-VALUE}).")
    String backend;

    @Parameters(index = "0..*", arity = "1..*", paramLabel = "FILE.wast", description = "The scripts to run.")
    List<Path> files = new ArrayList<>();

    @Override
    public Integer call() {
        Backends.requireOneOf(spec, backend, BACKEND_NAMES);
        boolean verbose = KeepCommand.verbose(spec, verbosity);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> log = VerboseLog.to(err, verbose);
        // The same availability check, and so the same words, as keep run --backend NAME.
        var selection = Backends.selector(log).select(backend);
        selection.reasoning().forEach(log);
        WastRunner runner = runnerFor(selection.backend().kind(), line -> log.accept("spectest " + line));

        int passed = 0;
        int failed = 0;
        int skipped = 0;
        for (Path file : files) {
            WastFileResult result = runner.run(file);
            out.println(result.summaryLine());
            result.failures().forEach(f -> out.println("  FAIL " + f));
            if (result.failed() > result.failures().size()) {
                out.println("  ... and " + (result.failed() - result.failures().size()) + " more failures");
            }
            out.flush();
            passed += result.passed();
            failed += result.failed();
            skipped += result.skipped();
        }
        out.println(passed + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : ""));
        out.flush();
        return failed == 0 ? 0 : ExitCodes.KEEP_ERROR;
    }

    private static WastRunner runnerFor(BackendKind kind, java.util.function.Consumer<String> printed) {
        return switch (kind) {
            // Chicory's compiler, with its interpreter fallback: what keep run executes on nil.
            case NIL -> new WastRunner(() -> new NilStore(NilSpectest.create(printed), NilMachines.COMPILER),
                    file -> Optional.empty());
            // One store keep per script: Keep's compiler, the keep's AWAIT loop, guest memory on /dev/kvm.
            case KVM -> new WastRunner(KvmStore.on(new KvmStoreCpu()),
                    file -> file.startsWith("simd_") ? Optional.of(KVM_SIMD_REASON) : Optional.empty());
            default -> throw new KeepException("keep wast does not support the " + kind.cliName() + " backend");
        };
    }

}
