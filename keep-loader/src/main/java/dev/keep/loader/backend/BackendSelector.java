package dev.keep.loader.backend;

import dev.keep.loader.KeepException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns {@code --backend NAME} into a backend that can run here. {@code auto} takes the first
 * available backend in {@link BackendKind} order (sev-snp, kvm, nil) that does not ask to be chosen only on
 * request ({@link Availability#onRequestOnly()}), and records why each one before it was passed over so that
 * {@code -v} can say so. A backend available on request only is chosen by its name.
 */
public final class BackendSelector {
    /** The backend chosen, with one line per backend considered. */
    public record Selection(Backend backend, List<String> reasoning) {}

    private final List<Backend> backends;

    public BackendSelector(List<Backend> backends) {
        this.backends = List.copyOf(backends);
    }

    public List<Backend> backends() {
        return backends;
    }

    /** As {@link #select(String, boolean)}, explaining every decision. */
    public Selection select(String requested) {
        return select(requested, true);
    }

    /**
     * @param explain whether the reasoning is wanted ({@code -v}): without it, {@code auto} passes over
     *     the backends it never takes ({@link Backend#chosenOnlyOnRequest()}) without probing the host
     *     for them (the SEV-SNP probe alone costs a cold JVM about a third of a second)
     */
    public Selection select(String requested, boolean explain) {
        if ("auto".equals(requested)) {
            List<String> reasoning = new ArrayList<>();
            for (BackendKind kind : BackendKind.values()) {
                Optional<Backend> backend = find(kind);
                if (backend.isEmpty()) {
                    continue;
                }
                if (!explain && backend.get().chosenOnlyOnRequest()) {
                    reasoning.add("auto: skipped " + kind.cliName() + ": chosen only with --backend " + kind.cliName());
                    continue;
                }
                Availability availability = backend.get().availability();
                if (availability.autoSelectable()) {
                    reasoning.add("auto: chose " + kind.cliName() + ": " + availability.detail());
                    return new Selection(backend.get(), reasoning);
                }
                if (availability.available()) {
                    reasoning.add("auto: skipped " + kind.cliName() + ": chosen only with --backend " + kind.cliName()
                            + ": " + availability.detail());
                    continue;
                }
                reasoning.add("auto: skipped " + kind.cliName() + ": " + availability.detail());
            }
            throw new KeepException("no backend is available on this machine: " + String.join("; ", reasoning));
        }
        BackendKind kind = BackendKind.byCliName(requested).orElseThrow(() -> new KeepException(
                "unknown backend '" + requested + "': expected auto, sev-snp, kvm or nil"));
        Backend backend = find(kind).orElseThrow(() -> new KeepException(
                "backend " + kind.cliName() + " is not part of this build"));
        Availability availability = backend.availability();
        if (!availability.available()) {
            throw new KeepException("backend " + kind.cliName() + " is unavailable: " + availability.detail());
        }
        return new Selection(backend, List.of("chose " + kind.cliName() + " as requested: " + availability.detail()));
    }

    private Optional<Backend> find(BackendKind kind) {
        return backends.stream().filter(b -> b.kind() == kind).findFirst();
    }
}
