package dev.keep.loader.cli;

import dev.keep.loader.ExitCodes;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.wasi.suite.DefaultSuiteDirs;
import dev.keep.loader.wasi.suite.ExpectedFailures;
import dev.keep.loader.wasi.suite.SuiteDirectory;
import dev.keep.loader.wasi.suite.SuiteSummary;
import dev.keep.loader.wasi.suite.TestFilter;
import dev.keep.loader.wasi.suite.WasiSuiteRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keep wasi-suite}: run the WASI test suite (wasi-testsuite, wasm32-wasip1) on a backend. */
@Command(name = "wasi-suite", mixinStandardHelpOptions = true,
        description = {
            "Run the WASI test suite (wasi-testsuite's wasm32-wasip1 programs) and print one line per test:"
                + " PASS, FAIL with the reason, or XFAIL for a failure the backend's expected-failure list explains.",
            "Exits with 0 when no test failed unexpectedly and no expected failure is stale, 1 otherwise."
        })
public final class WasiSuiteCommand implements Callable<Integer> {
    private static final List<String> BACKEND_NAMES = List.of("nil", "kvm");

    @Spec
    CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Option(names = "--backend", paramLabel = "nil|kvm", defaultValue = "nil",
            description = "Backend to run the tests on (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--filter", paramLabel = "GLOB",
            description = "Run only tests whose id (e.g. rust/testsuite/wasm32-wasip1/path_link) or name matches GLOB.")
    String filter;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Time limit of each test run; a run still going then fails (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Parameters(index = "0..*", arity = "0..*", paramLabel = "DIR",
            description = "Test directories holding .wasm and .json files (default: the c, rust and assemblyscript"
                    + " wasm32-wasip1 directories of " + DefaultSuiteDirs.SUITE + " beside the project root).")
    List<Path> dirs = new ArrayList<>();

    @Override
    public Integer call() {
        Backends.requireOneOf(spec, backend, BACKEND_NAMES);
        if (timeoutSeconds <= 0) {
            throw new ParameterException(spec.commandLine(), "--timeout must be a positive number of seconds, got " + timeoutSeconds);
        }
        Predicate<String> selected = selectedTests();
        boolean verbose = KeepCommand.verbose(spec, verbosity);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> log = VerboseLog.to(err, verbose);
        List<SuiteDirectory> suite = suiteDirectories();

        // The same availability check, and so the same words, as keep run --backend NAME; checked once
        // up front so that an unavailable backend is one line, not one failure per test. Each run
        // explains its own choice under -v.
        var selector = Backends.selector(log);
        var selection = selector.select(backend);
        ExpectedFailures expected = ExpectedFailures.forBackend(selection.backend().kind().cliName());

        KeepRunner runner = new KeepRunner(selector, log);
        WasiSuiteRunner suiteRunner = new WasiSuiteRunner(runner, backend, expected, Duration.ofSeconds(timeoutSeconds),
                selected, line -> {
                    out.println(line);
                    out.flush();
                });
        SuiteSummary summary = suiteRunner.run(suite);
        out.println(summary.line());
        out.flush();
        return summary.asExpected() ? 0 : ExitCodes.KEEP_ERROR;
    }

    private Predicate<String> selectedTests() {
        if (filter == null) {
            return TestFilter.all();
        }
        try {
            return TestFilter.of(filter);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--filter: " + e.getMessage());
        }
    }

    private List<SuiteDirectory> suiteDirectories() {
        List<Path> paths = dirs;
        if (paths.isEmpty()) {
            paths = DefaultSuiteDirs.find().orElseThrow(() -> new ParameterException(spec.commandLine(),
                    "no DIR given and no " + DefaultSuiteDirs.SUITE + " beside "
                            + DefaultSuiteDirs.candidateRoots().stream().map(Path::toString).collect(Collectors.joining(" or "))
                            + "; name the test directories"));
        }
        return paths.stream().map(SuiteDirectory::of).toList();
    }

}
