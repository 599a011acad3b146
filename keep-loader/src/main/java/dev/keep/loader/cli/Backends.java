package dev.keep.loader.cli;

import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.config.SevConfig;
import dev.keep.loader.kvm.KvmBackend;
import dev.keep.loader.nil.NilBackend;
import dev.keep.loader.sev.SevSnpBackend;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The backends of this build, in preference order, wired to the host probes. */
final class Backends {
    private Backends() {}

    /** Backends that probe the host whenever their availability is asked for; no Keep.toml {@code [sev]}. */
    /**
     * Refuses a {@code --backend} value the command does not take, as a usage error (exit 2) that
     * lists the ones it does.
     */
    static void requireOneOf(picocli.CommandLine.Model.CommandSpec spec, String backend, java.util.List<String> names) {
        if (!names.contains(backend)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "unknown backend '" + backend + "': expected one of " + String.join(", ", names));
        }
    }

    static BackendSelector selector(Consumer<String> verbose) {
        return selector(verbose, SevConfig.defaults());
    }

    /** As {@link #selector(Consumer)}, with Keep.toml's {@code [sev]} for the sev-snp backend. */
    static BackendSelector selector(Consumer<String> verbose, SevConfig sev) {
        return selector(verbose, HostProbes::kvm, HostProbes::sevSnp, sev);
    }

    /** Backends that judge availability from the host states given (probed once by the caller). */
    static BackendSelector selector(Consumer<String> verbose, Supplier<Availability> kvm, Supplier<Availability> sevSnp) {
        return selector(verbose, kvm, sevSnp, SevConfig.defaults());
    }

    private static BackendSelector selector(Consumer<String> verbose, Supplier<Availability> kvm,
            Supplier<Availability> sevSnp, SevConfig sev) {
        return new BackendSelector(List.of(
                new SevSnpBackend(sevSnp, sev, verbose),
                new KvmBackend(kvm, verbose),
                new NilBackend(verbose)));
    }
}
