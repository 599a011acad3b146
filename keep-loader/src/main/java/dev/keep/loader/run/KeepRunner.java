package dev.keep.loader.run;

import dev.keep.loader.KeepException;
import dev.keep.loader.attest.AttestedDirectory;
import dev.keep.loader.attest.KeepAttestation;
import dev.keep.loader.backend.Backend;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.backend.EvidenceSource;
import dev.keep.loader.config.AttestationConfig;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The Java API behind {@code keep run}: picks the backend, loads and validates the app, merges the
 * configuration and runs it. With Keep.toml's {@code [attestation]}, it first obtains the keep's certificate and
 * secrets ({@link KeepAttestation}) and presents them to the app as a read-only directory, deleted after the run.
 * Input problems and attestation failures surface as {@link KeepException}, before the app starts.
 */
public final class KeepRunner {
    private final BackendSelector selector;
    private final Consumer<String> verbose;
    private final boolean explain;

    /**
     * @param selector the backends of this build
     * @param verbose receives one line per decision worth explaining ({@code -v})
     */
    public KeepRunner(BackendSelector selector, Consumer<String> verbose) {
        this(selector, verbose, true);
    }

    /**
     * @param explain whether {@code verbose} shows anything: when not, choosing a backend skips the
     *     host probes that only serve the explanation
     */
    public KeepRunner(BackendSelector selector, Consumer<String> verbose, boolean explain) {
        this.selector = selector;
        this.verbose = verbose;
        this.explain = explain;
    }

    public RunResult run(RunRequest request) {
        BackendSelector.Selection selection = selector.select(request.backend(), explain);
        selection.reasoning().forEach(verbose);
        AppModule app = AppModuleLoader.load(request.app());
        verbose.accept("loaded " + request.app() + " (" + app.bytes().length + " bytes, valid)");
        KeepLaunch launch = new KeepLaunch(app, request.argv(app.programName()), request.mergedEnv(),
                request.mergedFiles(), request.streams());
        Backend backend = selection.backend();
        Optional<AttestationConfig> attestation = request.config().attestation();
        if (attestation.isEmpty()) {
            return backend.run(launch);
        }
        try (AttestedDirectory attested = attest(attestation.get(), backend, launch)) {
            return backend.run(launch.withFile(attested.entry()));
        }
    }

    /**
     * Obtains the certificate and secrets of {@code [attestation]} before the app starts. The evidence describes
     * {@code launch} as it is before the attestation directory is added, which is what the backend measures.
     */
    private AttestedDirectory attest(AttestationConfig config, Backend backend, KeepLaunch launch) {
        for (FileEntry file : launch.files()) {
            if (file instanceof FileEntry.Dir dir && dir.guest().equals(config.guestDir())) {
                throw new KeepException("attestation: the directory " + dir.host() + " is already preopened at "
                        + config.guestDir() + ", where the app is to find its certificate and secrets");
            }
        }
        EvidenceSource source = backend.evidenceSource(launch).orElseThrow(() -> new KeepException(
                "attestation: the " + backend.kind().cliName() + " backend as run here cannot produce attestation "
                        + "evidence; Keep.toml's [attestation] needs a backend that can"));
        return KeepAttestation.obtain(config, source, "CN=" + subjectName(launch), verbose);
    }

    /** The app's file name, reduced to characters that need no escaping in a distinguished name. */
    private static String subjectName(KeepLaunch launch) {
        String name = launch.app().programName().replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() ? "keep" : name;
    }
}
