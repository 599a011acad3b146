package dev.keep.loader.sev;

import dev.keep.kvm.VcpuExit;
import dev.keep.kvm.VcpuFd;
import dev.keep.loader.KeepException;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.loader.kvm.KeepExitHandler;
import dev.keep.loader.kvm.KeepOutcome;
import dev.keep.loader.kvm.KeepRegisters;
import dev.keep.loader.kvm.KeepVm;
import dev.keep.sev.launch.MapGpaRangeHandler;
import dev.keep.sev.launch.SnpLaunchException;
import dev.keep.sev.launch.SnpLaunchRequest;
import dev.keep.sev.launch.SnpLaunchResult;
import dev.keep.sev.launch.SnpLauncher;
import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.image.EntryState;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An SEV-SNP keep's VM, launched by {@link SnpLauncher} on an {@link SnpVmDevice} whose vCPU 0 got
 * the keep's entry registers (the same ones a plain keep gets, {@link KeepRegisters#load}) before
 * LAUNCH_FINISH turned them into the measured VMSA. Its exits are a plain keep's ({@link
 * KeepExitHandler}, over the shared view of memory, where the mailbox is), plus the keep's
 * page-state changes ({@link MapGpaRangeHandler}) and a fault doorbell whose fault record the host
 * cannot read.
 */
final class SnpKeepVm implements KeepVm {
    private final SnpVmDevice device;
    private final MapGpaRangeHandler pageStates;
    private final KeepExitHandler exits;

    private SnpKeepVm(SnpVmDevice device, MapGpaRangeHandler pageStates, KeepExitHandler exits) {
        this.device = device;
        this.pageStates = pageStates;
        this.exits = exits;
    }

    /**
     * Opens the devices and launches the keep; a failure closes them again.
     *
     * @param log receives the launcher's notes, the measurement and refused page-state changes
     * @throws KeepException (one line, {@code backend sev-snp: ...}) when a device or the firmware
     *     refuses a step
     */
    static SnpKeepVm launch(SnpVmDevice.Opener devices, SnpLaunchRequest request, EntryState entry,
            HostcallDispatcher host, Consumer<String> log) {
        SnpVmDevice device = open(devices, entry);
        try {
            SnpLaunchResult launched = new SnpLauncher(device, line -> log.accept("sev-snp: " + line))
                    .launch(request);
            // What the attestation report will carry; keep measure predicts the same value.
            log.accept("sev-snp: launched, MEASUREMENT " + HexFormat.of().formatHex(launched.measurement()));
            MapGpaRangeHandler pageStates = MapGpaRangeHandler.forLaunch(request, device,
                    refused -> log.accept("sev-snp: " + refused));
            return new SnpKeepVm(device, pageStates, new KeepExitHandler(device.sharedMemory(), host));
        } catch (SnpLaunchException e) {
            device.close();
            throw SevSnpBackend.failure(e);
        } catch (RuntimeException e) {
            device.close();
            throw e;
        }
    }

    private static SnpVmDevice open(SnpVmDevice.Opener devices, EntryState entry) {
        try {
            return devices.open(vcpu -> KeepRegisters.load(vcpu, entry));
        } catch (SnpLaunchException e) {
            throw SevSnpBackend.failure(e);
        }
    }

    @Override
    public VcpuFd vcpu() {
        return device.vcpu();
    }

    @Override
    public Optional<KeepOutcome> handle(VcpuExit exit) {
        return switch (exit) {
            case VcpuExit.Hypercall call -> pageStateChange(call);
            // The fault stub's record stays in private memory; only the vector (EAX) reaches the host.
            case VcpuExit.IoOut out when out.port() == HostcallAbi.FAULT_DOORBELL_PORT -> Optional.of(
                    new KeepOutcome.Terminated("the keep faulted with exception vector " + out.value()
                            + " (an SEV-SNP keep's fault record stays private to it)"));
            default -> exits.handle(exit);
        };
    }

    private Optional<KeepOutcome> pageStateChange(VcpuExit.Hypercall call) {
        try {
            // A refused change is answered with an error the keep sees, and logged; the keep goes on.
            pageStates.handle(call);
            return Optional.empty();
        } catch (SnpLaunchException e) {
            throw SevSnpBackend.failure(e);
        }
    }

    @Override
    public void close() {
        device.close();
    }
}
