package dev.keep.loader.run;

import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import java.util.function.Consumer;

/**
 * The Java API behind {@code keep run}: picks the backend, loads and validates the app, merges the
 * configuration and runs it. Input problems surface as {@link dev.keep.loader.KeepException}.
 */
public final class KeepRunner {
    private final BackendSelector selector;
    private final Consumer<String> verbose;

    /**
     * @param selector the backends of this build
     * @param verbose receives one line per decision worth explaining ({@code -v})
     */
    public KeepRunner(BackendSelector selector, Consumer<String> verbose) {
        this.selector = selector;
        this.verbose = verbose;
    }

    public RunResult run(RunRequest request) {
        BackendSelector.Selection selection = selector.select(request.backend());
        selection.reasoning().forEach(verbose);
        AppModule app = AppModuleLoader.load(request.app());
        verbose.accept("loaded " + request.app() + " (" + app.bytes().length + " bytes, valid)");
        KeepLaunch launch = new KeepLaunch(app, request.argv(app.programName()), request.mergedEnv(),
                request.mergedFiles(), request.streams());
        return selection.backend().run(launch);
    }
}
