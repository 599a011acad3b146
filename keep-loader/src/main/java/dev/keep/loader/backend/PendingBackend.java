package dev.keep.loader.backend;

import dev.keep.loader.KeepException;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import java.util.function.Supplier;

/**
 * A backend whose run path has not landed yet (sev-snp). It reports itself unavailable, with
 * the host's own state first, so that {@code keep platform info} and {@code -v} already say whether
 * this machine could run it, and then what the build still lacks.
 */
public final class PendingBackend implements Backend {
    private final BackendKind kind;
    private final Supplier<Availability> hostStatus;
    private final String missing;

    /**
     * @param kind the backend this stands for
     * @param hostStatus whether this host offers what the backend needs, and why not
     * @param missing what is still to be built, as a sentence fragment
     */
    public PendingBackend(BackendKind kind, Supplier<Availability> hostStatus, String missing) {
        this.kind = kind;
        this.hostStatus = hostStatus;
        this.missing = missing;
    }

    /** The sev-snp backend: its launcher builds on the kvm backend's runner, and has not met SEV hardware. */
    public static PendingBackend sevSnp(Supplier<Availability> platformStatus) {
        return new PendingBackend(BackendKind.SEV_SNP, platformStatus,
                "not selectable in this build yet (its launcher runs on the kvm backend's runner and has not run on"
                        + " SEV-SNP hardware)");
    }

    @Override
    public BackendKind kind() {
        return kind;
    }

    @Override
    public Availability availability() {
        Availability host = hostStatus.get();
        return Availability.unavailable(host.available() ? missing : host.detail() + "; and " + missing);
    }

    @Override
    public RunResult run(KeepLaunch launch) {
        throw new KeepException("backend " + kind.cliName() + " is unavailable: " + availability().detail());
    }
}
