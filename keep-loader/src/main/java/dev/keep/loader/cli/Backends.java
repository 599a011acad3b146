package dev.keep.loader.cli;

import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.backend.KvmBackend;
import dev.keep.loader.backend.SevSnpBackend;
import dev.keep.loader.nil.NilBackend;
import java.util.List;
import java.util.function.Consumer;

/** The backends of this build, in preference order, wired to the host probes. */
final class Backends {
    private Backends() {}

    static BackendSelector selector(Consumer<String> verbose) {
        return new BackendSelector(List.of(
                new SevSnpBackend(HostProbes::sevSnp),
                new KvmBackend(HostProbes::kvm),
                new NilBackend(verbose)));
    }
}
