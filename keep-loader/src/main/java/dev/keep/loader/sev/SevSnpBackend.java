package dev.keep.loader.sev;

import dev.keep.kvm.KvmException;
import dev.keep.loader.KeepException;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.Backend;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.config.SevConfig;
import dev.keep.loader.kvm.KeepCodeCache;
import dev.keep.loader.kvm.KeepOutcome;
import dev.keep.loader.kvm.KvmKeepRunner;
import dev.keep.loader.kvm.LinkedKeep;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import dev.keep.sev.launch.SnpHost;
import dev.keep.sev.launch.SnpLaunchException;
import dev.keep.sev.launch.SnpLaunchOptions;
import dev.keep.sev.launch.SnpLaunchRequest;
import dev.keep.shim.link.KeepLinker;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The sev-snp backend: the app linked into an SEV-SNP keep image for this host's C-bit ({@link
 * SnpHost}), with the host side a plain keep has ({@link LinkedKeep}), launched as an SEV-SNP guest
 * by sev-backend's {@code SnpLauncher} with Keep.toml's {@code [sev]} policy, ID block and
 * host_data ({@link SnpKeepVm}), then run by the kvm backend's vCPU loop ({@link KvmKeepRunner}).
 *
 * <p>EXPERIMENTAL: it has never run on SEV-SNP hardware (the machines it was written on have none;
 * the launch sequence is tested against a recording test double of the launch device, and its
 * measurement against {@code keep measure}). So it is available on request only: {@code --backend
 * sev-snp} chooses it where the host's SEV-SNP probe passes, {@code --backend auto} never does. It
 * produces no attestation evidence yet (the keep's guest-request path is not wired to the host).
 */
public final class SevSnpBackend implements Backend {
    /** Why auto never chooses this backend; shown by {@code -v} and {@code keep platform info}. */
    public static final String EXPERIMENTAL = "experimental: it has never run on SEV-SNP hardware";

    /** Where the backend learns the host's C-bit position. */
    @FunctionalInterface
    public interface HostSource {
        /** @throws SnpLaunchException (one line) when this host cannot launch an SEV-SNP keep */
        SnpHost read() throws SnpLaunchException;
    }

    private final Supplier<Availability> platform;
    private final SevConfig sev;
    private final Consumer<String> verbose;
    private final HostSource hosts;
    private final SnpVmDevice.Opener devices;
    private final KvmKeepRunner runner;

    /**
     * @param platform whether this host offers SEV-SNP, and why not (the host's SEV-SNP probe)
     * @param sev Keep.toml's {@code [sev]}: guest policy, host_data, ID block
     * @param verbose receives what {@code -v} shows
     */
    public SevSnpBackend(Supplier<Availability> platform, SevConfig sev, Consumer<String> verbose) {
        this(platform, sev, verbose, SnpHost::thisMachine, KvmSnpVmDevice::open);
    }

    /** The backend with the host's C-bit and the launch device taken from elsewhere (tests). */
    public SevSnpBackend(Supplier<Availability> platform, SevConfig sev, Consumer<String> verbose,
            HostSource hosts, SnpVmDevice.Opener devices) {
        this.platform = platform;
        this.sev = sev;
        this.verbose = verbose;
        this.hosts = hosts;
        this.devices = devices;
        this.runner = new KvmKeepRunner();
    }

    @Override
    public BackendKind kind() {
        return BackendKind.SEV_SNP;
    }

    /** Experimental: never taken by {@code --backend auto}, available or not. */
    @Override
    public boolean chosenOnlyOnRequest() {
        return true;
    }

    @Override
    public Availability availability() {
        Availability host = platform.get();
        if (host.available()) {
            return Availability.onRequestOnly(host.detail() + "; " + EXPERIMENTAL
                    + ", so only --backend sev-snp chooses it");
        }
        return Availability.unavailable(host.detail() + " (the sev-snp backend is " + EXPERIMENTAL + ")");
    }

    /**
     * Reads the host's C-bit, links the app for it and opens its files, then launches and runs the
     * keep. Problems of the host, the app, Keep.toml and the devices are one-line {@link
     * KeepException}s ({@code backend sev-snp: ...} for the host and the devices), and every
     * descriptor opened for the keep is closed again by then.
     */
    @Override
    public RunResult run(KeepLaunch launch) {
        verbose.accept("sev-snp: " + EXPERIMENTAL);
        SnpHost host;
        try {
            host = hosts.read();
        } catch (SnpLaunchException e) {
            throw failure(e);
        }
        int cBit = host.cBitPosition();
        verbose.accept("sev-snp: C-bit at position " + cBit);
        LinkedKeep keep = LinkedKeep.of(launch, (wasm, config) -> KeepLinker.linkSnp(wasm, config, cBit,
                KeepCodeCache.forUser().forApp(launch.app(), line -> verbose.accept("sev-snp: " + line))));
        SnpLaunchRequest request;
        try {
            request = SnpLaunchRequest.forHost(host, ignored -> keep.image(), SnpLaunchOptions.defaults(),
                    sev.policy(), sev.idBlock(), sev.hostData());
        } catch (IllegalArgumentException e) {
            keep.close();
            throw new KeepException("backend sev-snp: " + e.getMessage(), e);
        }
        KeepOutcome outcome;
        try {
            // The runner owns the keep's host side from here and closes it when the vCPU is done.
            outcome = runner.run(dispatcher -> SnpKeepVm.launch(devices, request, keep.image().entryState(),
                    dispatcher, verbose), keep.host());
        } catch (KvmException | IllegalStateException | IllegalArgumentException e) {
            // The launch and the run are past Keep's own checks: what fails now is the device's.
            throw new KeepException("backend sev-snp: " + e.getMessage(), e);
        }
        return outcome.toRunResult();
    }

    /** A device or firmware failure as the one line the user sees. */
    static KeepException failure(SnpLaunchException e) {
        return new KeepException("backend sev-snp: " + e.getMessage(), e);
    }
}
