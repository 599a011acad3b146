package dev.keep.loader.backend;

import dev.keep.loader.KeepException;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import java.util.function.Supplier;

/**
 * The KVM backend: the app compiled to x86-64 and run at CPL3 in a KVM guest. Its run path lands with
 * the keep boot and the Wasm compiler; until then it reports itself unavailable with the reason, after
 * the state of /dev/kvm on this host.
 */
public final class KvmBackend implements Backend {
    static final String NOT_IMPLEMENTED =
            "not implemented in this build yet (the keep boot and Wasm-to-x86-64 compiler are still to land)";

    private final Supplier<Availability> deviceStatus;

    /** @param deviceStatus whether /dev/kvm can host keeps here, and why not */
    public KvmBackend(Supplier<Availability> deviceStatus) {
        this.deviceStatus = deviceStatus;
    }

    @Override
    public BackendKind kind() {
        return BackendKind.KVM;
    }

    @Override
    public Availability availability() {
        Availability device = deviceStatus.get();
        return Availability.unavailable(device.available() ? NOT_IMPLEMENTED : device.detail() + "; and " + NOT_IMPLEMENTED);
    }

    @Override
    public RunResult run(KeepLaunch launch) {
        throw new KeepException("backend kvm is unavailable: " + availability().detail());
    }
}
