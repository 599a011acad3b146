package dev.keep.loader.kvm;

import dev.keep.kvm.KvmException;
import dev.keep.loader.KeepException;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.Backend;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The kvm backend: the app linked into a keep image ({@link LinkedKeep}) and run in a KVM guest by
 * {@link KvmKeepRunner}, its hostcalls answered by the launch's own streams, directories and sockets.
 *
 * <p>EXPERIMENTAL: the runner has never run on a real /dev/kvm (the machines it was written on have
 * none; everything up to the device, and the keep's ring-3 code, is tested without one). So this
 * backend is available on request only: {@code --backend kvm} chooses it where /dev/kvm is usable,
 * {@code --backend auto} never does.
 *
 * <p>There is no wall-clock limit: a keep that serves sockets runs until it is stopped, as a native
 * process or the nil backend would; a caller that wants a limit interrupts the running thread (as
 * {@code keep wasi-suite} does).
 */
public final class KvmBackend implements Backend {
    /** Why auto never chooses this backend; shown by {@code -v} and {@code keep platform info}. */
    static final String EXPERIMENTAL = "experimental: its KVM runner has never run on a real /dev/kvm";

    private final Supplier<Availability> device;
    private final Consumer<String> verbose;
    private final KvmKeepRunner runner;

    /**
     * @param device whether this host's /dev/kvm is usable, and why not (the host's kvm probe)
     * @param verbose receives what {@code -v} shows
     */
    public KvmBackend(Supplier<Availability> device, Consumer<String> verbose) {
        this.device = device;
        this.verbose = verbose;
        this.runner = new KvmKeepRunner();
    }

    @Override
    public BackendKind kind() {
        return BackendKind.KVM;
    }

    /** Experimental: never taken by {@code --backend auto}, available or not. */
    @Override
    public boolean chosenOnlyOnRequest() {
        return true;
    }

    @Override
    public Availability availability() {
        Availability host = device.get();
        if (host.available()) {
            return Availability.onRequestOnly(host.detail() + "; " + EXPERIMENTAL
                    + ", so only --backend kvm chooses it");
        }
        return Availability.unavailable(host.detail() + " (the kvm backend is " + EXPERIMENTAL + ")");
    }

    /**
     * Links the app and opens its files, then starts the VM. Problems of the app, of Keep.toml's
     * files and of the device are one-line {@link KeepException}s, and every descriptor opened for
     * the keep is closed again by then.
     */
    @Override
    public RunResult run(KeepLaunch launch) {
        verbose.accept("kvm: " + EXPERIMENTAL);
        LinkedKeep keep = LinkedKeep.of(launch, line -> verbose.accept("kvm: " + line));
        KeepOutcome outcome;
        try {
            // The runner owns the keep's host side from here and closes it when the vCPU is done.
            outcome = runner.run(keep.image(), keep.host());
        } catch (KvmException | IllegalStateException e) {
            throw new KeepException("backend kvm: " + e.getMessage(), e);
        }
        return outcome.toRunResult();
    }
}
