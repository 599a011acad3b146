package dev.keep.loader.backend;

import dev.keep.loader.KeepException;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import java.util.function.Supplier;

/**
 * The SEV-SNP backend: a KVM keep whose memory is encrypted and measured by the AMD secure processor.
 * Its launch path lands after the KVM backend; until then it reports itself unavailable, after the
 * host's SEV-SNP state.
 */
public final class SevSnpBackend implements Backend {
    static final String NOT_IMPLEMENTED = "not implemented in this build yet (the SNP launch lands after the kvm backend)";

    private final Supplier<Availability> platformStatus;

    /** @param platformStatus whether this host offers SEV-SNP to guests, and why not */
    public SevSnpBackend(Supplier<Availability> platformStatus) {
        this.platformStatus = platformStatus;
    }

    @Override
    public BackendKind kind() {
        return BackendKind.SEV_SNP;
    }

    @Override
    public Availability availability() {
        Availability platform = platformStatus.get();
        return Availability.unavailable(platform.available() ? NOT_IMPLEMENTED : platform.detail() + "; and " + NOT_IMPLEMENTED);
    }

    @Override
    public RunResult run(KeepLaunch launch) {
        throw new KeepException("backend sev-snp is unavailable: " + availability().detail());
    }
}
