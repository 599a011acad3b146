package dev.keep.loader.cli;

import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.backend.PendingBackend;
import dev.keep.loader.kvm.KvmBackend;
import dev.keep.loader.nil.NilBackend;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The backends of this build, in preference order, wired to the host probes. */
final class Backends {
    private Backends() {}

    /** Backends that probe the host whenever their availability is asked for. */
    static BackendSelector selector(Consumer<String> verbose) {
        return selector(verbose, HostProbes::kvm, HostProbes::sevSnp);
    }

    /** Backends that judge availability from the host states given (probed once by the caller). */
    static BackendSelector selector(Consumer<String> verbose, Supplier<Availability> kvm, Supplier<Availability> sevSnp) {
        return new BackendSelector(List.of(
                PendingBackend.sevSnp(sevSnp),
                new KvmBackend(kvm, verbose),
                new NilBackend(verbose)));
    }
}
