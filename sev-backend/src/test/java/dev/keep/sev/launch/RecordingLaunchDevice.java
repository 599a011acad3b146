package dev.keep.sev.launch;

import dev.keep.sev.measure.PageType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * TEST DOUBLE (test scope only, never shipped): an {@link SnpLaunchDevice} that records every call
 * with its arguments instead of reaching KVM, which this machine does not have. It behaves like
 * KVM where the launcher depends on it: it may process only a prefix of a LAUNCH_UPDATE (as KVM
 * does when it stops early), it can reject CPUID pages the way the firmware does (returning a
 * corrected page), and it can fail one named call with an errno and firmware status.
 */
final class RecordingLaunchDevice implements SnpLaunchDevice {

    /** One recorded call: its name and its arguments, as the real device would encode them. */
    record Call(String name, List<Object> args) {
        @Override
        public String toString() {
            return name + args;
        }
    }

    static final int MEMFD = 42;

    final List<Call> calls = new ArrayList<>();
    /** Every LAUNCH_UPDATE as issued, including rejected CPUID attempts. */
    final List<LaunchUpdate> updateCalls = new ArrayList<>();
    /** Only the LAUNCH_UPDATEs that were accepted, trimmed to the pages "KVM" processed. */
    final List<LaunchUpdate> acceptedUpdates = new ArrayList<>();
    boolean closed;

    private long maxPagesPerCall = Long.MAX_VALUE;
    private int cpuidRejections;
    private UnaryOperator<byte[]> firmwareCpuidFix = UnaryOperator.identity();
    private String failingCall;
    private SnpLaunchException failure;

    /** Makes LAUNCH_UPDATE process at most {@code pages} pages per call. */
    RecordingLaunchDevice processingAtMost(long pages) {
        this.maxPagesPerCall = pages;
        return this;
    }

    /** Rejects the next {@code times} CPUID updates, answering with {@code fix} applied to the page sent. */
    RecordingLaunchDevice rejectingCpuid(int times, UnaryOperator<byte[]> fix) {
        this.cpuidRejections = times;
        this.firmwareCpuidFix = fix;
        return this;
    }

    /** Fails the first call named {@code name} with {@code exception}. */
    RecordingLaunchDevice failing(String name, SnpLaunchException exception) {
        this.failingCall = name;
        this.failure = exception;
        return this;
    }

    List<String> callNames() {
        return calls.stream().map(Call::name).toList();
    }

    private void record(String name, Object... args) throws SnpLaunchException {
        calls.add(new Call(name, List.of(args)));
        if (name.equals(failingCall)) {
            failingCall = null;
            throw failure;
        }
    }

    @Override
    public void createSnpVm() throws SnpLaunchException {
        record("KVM_CREATE_VM", 4);
    }

    @Override
    public void sevInit2(long vmsaFeatures, int ghcbVersion) throws SnpLaunchException {
        record("KVM_SEV_INIT2", vmsaFeatures, ghcbVersion);
    }

    @Override
    public void enableHypercallExits(long hypercallMask) throws SnpLaunchException {
        record("KVM_ENABLE_CAP", 201, hypercallMask);
    }

    @Override
    public int createGuestMemfd(long size) throws SnpLaunchException {
        record("KVM_CREATE_GUEST_MEMFD", size);
        return MEMFD;
    }

    @Override
    public void setUserMemoryRegion2(int slot, long gpa, long size, int guestMemfd, long guestMemfdOffset)
            throws SnpLaunchException {
        record("KVM_SET_USER_MEMORY_REGION2", slot, gpa, size, guestMemfd, guestMemfdOffset);
    }

    @Override
    public void setMemoryAttributes(long gpa, long size, long attributes) throws SnpLaunchException {
        record("KVM_SET_MEMORY_ATTRIBUTES", gpa, size, attributes);
    }

    @Override
    public void createVcpu(int id) throws SnpLaunchException {
        record("KVM_CREATE_VCPU", id);
    }

    @Override
    public void snpLaunchStart(long policy) throws SnpLaunchException {
        record("SNP_LAUNCH_START", policy);
    }

    @Override
    public LaunchUpdateOutcome snpLaunchUpdate(LaunchUpdate update) throws SnpLaunchException {
        record("SNP_LAUNCH_UPDATE", update.gpa(), update.length(), update.type());
        updateCalls.add(update);
        if (update.type() == PageType.CPUID && cpuidRejections > 0) {
            cpuidRejections--;
            return new LaunchUpdateOutcome.CpuidRejected(firmwareCpuidFix.apply(update.data()));
        }
        long pages = Math.min(update.pageCount(), maxPagesPerCall);
        acceptedUpdates.add(SnpLauncher.slice(update, 0, pages));
        return new LaunchUpdateOutcome.Done(pages);
    }

    @Override
    public void snpLaunchFinish(Optional<SnpIdBlock> idBlock, byte[] hostData) throws SnpLaunchException {
        record("SNP_LAUNCH_FINISH", idBlock.isPresent(), java.util.HexFormat.of().formatHex(hostData));
    }

    @Override
    public void close() {
        closed = true;
    }
}
