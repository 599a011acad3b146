package dev.keep.loader.backend;

import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import java.util.Optional;

/** Something that can run an app in a keep: the nil, kvm or sev-snp backend. */
public interface Backend {
    BackendKind kind();

    /** Checked on every call, since devices and permissions can change while a process lives. */
    Availability availability();

    /**
     * Whether {@code --backend auto} never takes this backend, whatever the host (an experimental
     * one): auto then need not probe the host for it unless it is asked to explain its choice.
     */
    default boolean chosenOnlyOnRequest() {
        return false;
    }

    /**
     * Runs the app to completion. Problems of the input or of the host are thrown as
     * {@link dev.keep.loader.KeepException}; what the app does (exit, trap) is the result.
     */
    RunResult run(KeepLaunch launch);

    /**
     * What attests a keep running {@code launch}, for Keep.toml's {@code [attestation]}; empty when this backend
     * cannot produce evidence at all. Called before {@link #run}, which then gets the launch with the attestation
     * directory added (that directory is not part of what is measured).
     */
    default Optional<EvidenceSource> evidenceSource(KeepLaunch launch) {
        return Optional.empty();
    }
}
