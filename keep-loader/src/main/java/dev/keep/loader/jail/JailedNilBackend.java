package dev.keep.loader.jail;

import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.Backend;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.backend.EvidenceSource;
import dev.keep.loader.nil.NilBackend;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The nil backend run in a jail ({@code keep run --jail}): the same Chicory runner, in a separate
 * process confined by namespaces, an empty root and seccomp. The app is validated here first, so
 * input errors read the same jailed or not.
 */
public final class JailedNilBackend implements Backend {
    private final JailSupervisor supervisor;
    private final Consumer<String> verbose;

    public JailedNilBackend(JailLimits limits, Consumer<String> verbose) {
        this.supervisor = new JailSupervisor(limits, verbose);
        this.verbose = verbose;
    }

    /** {@code selector} with its nil backend replaced by the jailed one. */
    public static BackendSelector replacingNil(BackendSelector selector, Consumer<String> verbose) {
        List<Backend> backends = selector.backends().stream()
                .map(b -> b.kind() == BackendKind.NIL ? (Backend) new JailedNilBackend(JailLimits.DEFAULT, verbose) : b)
                .toList();
        return new BackendSelector(backends);
    }

    @Override
    public BackendKind kind() {
        return BackendKind.NIL;
    }

    @Override
    public Availability availability() {
        Availability jail = JailProbe.probe();
        return jail.available()
                ? Availability.available("development backend (Chicory, no attestation) in a jail: " + jail.detail())
                : Availability.unavailable("cannot jail: " + jail.detail());
    }

    /**
     * The same software evidence as the unjailed nil backend: the measurement is of the launch, which the
     * supervisor holds, and the attestation directory reaches the runner as one more directory descriptor.
     */
    @Override
    public Optional<EvidenceSource> evidenceSource(KeepLaunch launch) {
        return new NilBackend(verbose).evidenceSource(launch);
    }

    @Override
    public RunResult run(KeepLaunch launch) {
        launch.app().requireRunnableOnChicory();
        verbose.accept("nil: running jailed in a separate process");
        return supervisor.run(launch);
    }
}
