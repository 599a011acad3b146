package dev.keep.loader.kvm;

import dev.keep.kvm.VcpuExit;
import dev.keep.loader.hostcall.FaultRecordReader;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.loader.hostcall.HostcallOutcome;
import dev.keep.shim.abi.HostcallAbi;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Turns one vCPU exit into "resume" or a final {@link KeepOutcome}. Only the two doorbells are
 * legitimate exits for a keep; everything else (a triple fault, an emulation failure, MMIO to
 * unbacked memory, a halt) ends the keep with a message. Separate from the run loop so it is
 * tested with exits built in memory, without /dev/kvm.
 */
public final class KeepExitHandler {
    private final MemorySegment guestMemory;
    private final HostcallDispatcher dispatcher;

    /**
     * @param guestMemory all of the keep's guest-physical memory (offset = guest-physical address)
     */
    public KeepExitHandler(MemorySegment guestMemory, HostcallDispatcher dispatcher) {
        long needed = Math.max(HostcallAbi.MAILBOX_ADDRESS + HostcallAbi.MAILBOX_SIZE,
                HostcallAbi.FAULT_RECORD_ADDRESS + HostcallAbi.FAULT_RECORD_SIZE);
        if (guestMemory.byteSize() < needed) {
            throw new IllegalArgumentException("guest memory of " + guestMemory.byteSize()
                    + " bytes does not hold the mailbox and the fault record");
        }
        this.guestMemory = guestMemory;
        this.dispatcher = dispatcher;
    }

    /** Empty: resume the vCPU. Present: the keep is over. {@code Intr} is the caller's business. */
    public Optional<KeepOutcome> handle(VcpuExit exit) {
        return switch (exit) {
            case VcpuExit.IoOut out when out.port() == HostcallAbi.REQUEST_DOORBELL_PORT ->
                    requestDoorbell(out);
            case VcpuExit.IoOut out when out.port() == HostcallAbi.FAULT_DOORBELL_PORT ->
                    Optional.of(faultDoorbell(out));
            case VcpuExit.IoOut out -> end(String.format(
                    "keep wrote to I/O port %#x, which it was never given", out.port()));
            case VcpuExit.IoIn in -> end(String.format(
                    "keep read from I/O port %#x, which it was never given", in.port()));
            case VcpuExit.MmioRead r -> end(String.format(
                    "keep read unbacked guest-physical address %#x", r.address()));
            case VcpuExit.MmioWrite w -> end(String.format(
                    "keep wrote unbacked guest-physical address %#x", w.address()));
            case VcpuExit.Hlt h -> end("keep halted without reporting a fault or exiting");
            case VcpuExit.Shutdown s -> end("keep triple-faulted (KVM_EXIT_SHUTDOWN)");
            case VcpuExit.InternalError e -> end("KVM could not run a keep instruction"
                    + " (internal error, suberror " + e.suberror() + ")");
            case VcpuExit.FailEntry f -> end(String.format(
                    "KVM refused to enter the keep (hardware reason %#x)",
                    f.hardwareEntryFailureReason()));
            case VcpuExit.Intr i -> Optional.empty();
            default -> end("unexpected vCPU exit: " + exit);
        };
    }

    private Optional<KeepOutcome> requestDoorbell(VcpuExit.IoOut out) {
        if (out.count() != 1) {
            return end("invalid hostcall: doorbell rung with a string instruction ("
                    + out.count() + " accesses)");
        }
        MemorySegment mailbox = guestMemory.asSlice(HostcallAbi.MAILBOX_ADDRESS,
                HostcallAbi.MAILBOX_SIZE);
        return switch (dispatcher.onDoorbell(mailbox, out.port(), out.size(), out.value())) {
            case HostcallOutcome.Resume r -> Optional.empty();
            case HostcallOutcome.Exited e -> Optional.of(new KeepOutcome.Exited(e.status()));
            case HostcallOutcome.Terminated t -> end(t.message());
        };
    }

    private KeepOutcome faultDoorbell(VcpuExit.IoOut out) {
        MemorySegment record = guestMemory.asSlice(HostcallAbi.FAULT_RECORD_ADDRESS,
                HostcallAbi.FAULT_RECORD_SIZE);
        return switch (FaultRecordReader.read(record, out.size(), out.value())) {
            case FaultRecordReader.Read read -> new KeepOutcome.Faulted(read.report());
            case FaultRecordReader.Inconsistent bad -> new KeepOutcome.Terminated(
                    "keep faulted, but " + bad.message());
        };
    }

    private static Optional<KeepOutcome> end(String message) {
        return Optional.of(new KeepOutcome.Terminated(message));
    }
}
