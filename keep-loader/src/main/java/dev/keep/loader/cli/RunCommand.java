package dev.keep.loader.cli;

import dev.keep.loader.ExitCodes;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.config.KeepConfig;
import dev.keep.loader.config.KeepConfigParser;
import dev.keep.loader.jail.JailEndedException;
import dev.keep.loader.jail.JailedNilBackend;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.run.RunRequest;
import dev.keep.loader.run.RunResult;
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
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code keep run}: run a WASI app in a keep; the exit status is the app's. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Run a WebAssembly (wasm32-wasip1) app in a keep.",
            "Everything after APP.wasm is passed to the app. The exit status is the app's proc_exit code;"
                + " a trap exits with 134, an error of keep with 1, a usage error with 2."
        })
public final class RunCommand implements Callable<Integer> {
    private static final List<String> BACKEND_NAMES = List.of("auto", "sev-snp", "kvm", "nil");

    private final HostStreams streams;

    @Spec
    CommandSpec spec;

    @Mixin
    Verbosity verbosity;

    @Option(names = "--backend", paramLabel = "auto|sev-snp|kvm|nil", defaultValue = "auto",
            description = "Backend to run on (default: ${DEFAULT-VALUE}: the first available of sev-snp, kvm, nil).")
    String backend;

    @Option(names = "--config", paramLabel = "Keep.toml", description = "Keep.toml with args, env, files and attestation.")
    Path config;

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "Set an environment variable for the app (repeatable; overrides Keep.toml).")
    List<String> env = new ArrayList<>();

    @Option(names = "--dir", paramLabel = "HOST_DIR[::GUEST_PATH]",
            description = "Preopen a host directory for the app, read-write, at GUEST_PATH (default: HOST_DIR as written); repeatable.")
    List<String> dirs = new ArrayList<>();

    @Option(names = "--jail",
            description = "Run the nil backend's runner in a separate jailed process (namespaces, empty root, seccomp).")
    boolean jail;

    @Parameters(index = "0", paramLabel = "APP.wasm", description = "The WebAssembly app.")
    Path app;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the app.")
    List<String> appArgs = new ArrayList<>();

    RunCommand(HostStreams streams) {
        this.streams = streams;
    }

    @Override
    public Integer call() {
        Backends.requireOneOf(spec, backend, BACKEND_NAMES);
        boolean verbose = KeepCommand.verbose(spec, verbosity);
        PrintWriter err = spec.commandLine().getErr();
        Consumer<String> log = VerboseLog.to(err, verbose);
        KeepConfig keepConfig = config == null ? KeepConfig.defaults() : KeepConfigParser.parse(config);

        RunRequest request = RunRequest.of(app, backend, streams)
                .withConfig(keepConfig)
                .withArgs(AppCommandLine.argsAfterApp(appArgs))
                .withEnv(AppCommandLine.env(env, spec.commandLine()))
                .withDirs(parseDirs());
        var selector = Backends.selector(log, keepConfig.sev());
        if (jail) {
            selector = JailedNilBackend.replacingNil(selector, log);
        }
        KeepRunner runner = new KeepRunner(selector, log, verbose);
        RunResult result;
        try {
            result = runner.run(request);
        } catch (JailEndedException e) {
            streams.flushOutput();
            err.println("keep: " + app + ": " + e.getMessage());
            err.flush();
            return e.exitStatus();
        }
        streams.flushOutput();
        return switch (result) {
            case RunResult.Exited exited -> exited.status();
            case RunResult.Trapped trapped -> {
                err.println("keep: " + app + " trapped: " + trapped.message());
                err.flush();
                yield ExitCodes.TRAP;
            }
        };
    }


    private List<FileEntry.Dir> parseDirs() {
        List<FileEntry.Dir> parsed = new ArrayList<>();
        for (String entry : dirs) {
            int sep = entry.indexOf("::");
            String host = sep < 0 ? entry : entry.substring(0, sep);
            String guest = sep < 0 ? entry : entry.substring(sep + 2);
            if (host.isEmpty() || guest.isEmpty() || entry.indexOf('\0') >= 0) {
                throw new ParameterException(spec.commandLine(), "--dir expects HOST_DIR[::GUEST_PATH], got '" + entry + "'");
            }
            Path hostDir = Path.of(host).toAbsolutePath().normalize();
            if (!java.nio.file.Files.isDirectory(hostDir)) {
                throw new ParameterException(spec.commandLine(), "--dir " + entry + ": '" + host + "' is not a directory");
            }
            parsed.add(new FileEntry.Dir(Optional.empty(), hostDir, guest, false));
        }
        return parsed;
    }
}
