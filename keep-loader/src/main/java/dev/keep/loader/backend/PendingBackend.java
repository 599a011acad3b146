package dev.keep.loader.backend;

import dev.keep.loader.KeepException;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import java.util.function.Supplier;

/**
 * A backend whose run path has not landed yet (kvm and sev-snp). It reports itself unavailable, with
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

    /** The kvm backend: waits for the keep boot and the Wasm-to-x86-64 compiler. */
    public static PendingBackend kvm(Supplier<Availability> deviceStatus) {
        return new PendingBackend(BackendKind.KVM, deviceStatus,
                "not implemented in this build yet (the keep boot and Wasm-to-x86-64 compiler are still to land)");
    }

    /** The sev-snp backend: waits for the SNP launch, which builds on the kvm backend. */
    public static PendingBackend sevSnp(Supplier<Availability> platformStatus) {
        return new PendingBackend(BackendKind.SEV_SNP, platformStatus,
                "not implemented in this build yet (the SNP launch lands after the kvm backend)");
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
