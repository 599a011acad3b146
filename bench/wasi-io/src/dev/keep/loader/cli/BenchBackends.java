package dev.keep.loader.cli;

import dev.keep.loader.backend.BackendSelector;

/**
 * The benchmark's window on the CLI's own backend list ({@link Backends} is package-private): the
 * same sev-snp / kvm / nil backends wired to the same host probes that {@code keep run} and
 * {@code keep platform info} use, so the benchmark asks them whether kvm can run rather than
 * deciding that itself. Compiled only by bench/wasi-io/run.sh, never by Maven.
 */
public final class BenchBackends {
    private BenchBackends() {
    }

    public static BackendSelector selector() {
        return Backends.selector(line -> { });
    }
}
