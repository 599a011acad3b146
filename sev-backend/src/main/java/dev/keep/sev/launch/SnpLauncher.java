package dev.keep.sev.launch;

import dev.keep.kvm.KvmConstants;
import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Launches a keep as an SEV-SNP guest: issues the Linux 6.11+ launch sequence (sev-snp.md §1.1)
 * through an {@link SnpLaunchDevice}.
 * <ol>
 *   <li>KVM_CREATE_VM(KVM_X86_SNP_VM);</li>
 *   <li>KVM_SEV_INIT2 with the plan's SEV features minus SNPActive (KVM adds that bit itself and
 *       refuses it as input) and GHCB version 2;</li>
 *   <li>KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL) for KVM_HC_MAP_GPA_RANGE, so the keep's page-state
 *       changes reach {@link MapGpaRangeHandler} (without it KVM fails them);</li>
 *   <li>one guest_memfd and one KVM_SET_USER_MEMORY_REGION2 slot for all of the keep's memory;</li>
 *   <li>KVM_SET_MEMORY_ATTRIBUTES(PRIVATE) on everything except the {@link SharedRange shared
 *       ranges} (mailbox, GHCB, guest-request exchange pages), which keep KVM's default (shared):
 *       launch pages must be private, and unused pages stay private and unvalidated so a stray
 *       access faults;</li>
 *   <li>KVM_CREATE_VCPU 0 with the keep's entry registers (before LAUNCH_FINISH measures it);</li>
 *   <li>SNP_LAUNCH_START with the guest policy;</li>
 *   <li>SNP_LAUNCH_UPDATE of exactly {@link SnpLaunchPlan#launchUpdates()}, in order, continuing
 *       where KVM stopped if it processed only part of an update; a rejected CPUID page is retried
 *       once with the firmware's corrected page;</li>
 *   <li>SNP_LAUNCH_FINISH with the optional ID block and host_data.</li>
 * </ol>
 * Any failure ends the launch with the device's one-line {@link SnpLaunchException}; the caller
 * closes the device, which destroys the half-launched VM.
 */
public final class SnpLauncher {

    /** The only memory slot: all of the keep's memory, at GPA 0. */
    public static final int MEMORY_SLOT = 0;
    /** The keep runs on one vCPU. */
    public static final int VCPU_ID = 0;

    private final SnpLaunchDevice device;
    private final Consumer<String> log;

    /** @param log receives one line per notable event (a CPUID correction and its differences) */
    public SnpLauncher(SnpLaunchDevice device, Consumer<String> log) {
        if (device == null || log == null) {
            throw new IllegalArgumentException("an SNP launcher needs a device and a log");
        }
        this.device = device;
        this.log = log;
    }

    /** Runs the whole launch; on return the VM is ready to run vCPU 0. */
    public SnpLaunchResult launch(SnpLaunchRequest request) throws SnpLaunchException {
        SnpLaunchPlan plan = request.plan();
        device.createSnpVm();
        device.sevInit2(plan.options().sevFeatures() & ~SnpLaunchOptions.SNP_ACTIVE, SnpLaunchAbi.GHCB_VERSION);
        device.enableHypercallExits(1L << KvmConstants.KVM_HC_MAP_GPA_RANGE);
        int memfd = device.createGuestMemfd(request.memorySize());
        device.setUserMemoryRegion2(MEMORY_SLOT, 0, request.memorySize(), memfd, 0);
        long privateFrom = 0;
        for (SharedRange shared : request.sharedRanges()) {
            makePrivate(privateFrom, shared.gpa());
            privateFrom = shared.end();
        }
        makePrivate(privateFrom, request.memorySize());
        device.createVcpu(VCPU_ID);
        device.snpLaunchStart(request.policy().bits());

        List<LaunchUpdate> issued = new ArrayList<>();
        Optional<CpuidCorrection> correction = Optional.empty();
        for (LaunchUpdate update : plan.launchUpdates()) {
            Optional<CpuidCorrection> corrected = issue(update, issued);
            if (corrected.isPresent()) {
                correction = corrected;
            }
        }
        device.snpLaunchFinish(request.idBlock(), request.hostData());
        return new SnpLaunchResult(issued, plan.vmsa(), correction);
    }

    private void makePrivate(long from, long to) throws SnpLaunchException {
        if (to > from) {
            device.setMemoryAttributes(from, to - from, MemoryAttributeControl.PRIVATE);
        }
    }

    /**
     * Issues one planned update until KVM has processed all its pages; adds what KVM accepted to
     * {@code issued}. Returns the CPUID correction if the firmware made one.
     */
    private Optional<CpuidCorrection> issue(LaunchUpdate update, List<LaunchUpdate> issued) throws SnpLaunchException {
        LaunchUpdate remaining = update;
        CpuidCorrection correction = null;
        while (true) {
            LaunchUpdateOutcome outcome = device.snpLaunchUpdate(remaining);
            switch (outcome) {
                case LaunchUpdateOutcome.Done done -> {
                    long pages = done.pages();
                    if (pages <= 0 || pages > remaining.pageCount()) {
                        throw new SnpLaunchException("SNP_LAUNCH_UPDATE of " + remaining + " reported " + pages
                                + " pages processed, expected 1 to " + remaining.pageCount());
                    }
                    issued.add(slice(remaining, 0, pages));
                    if (pages == remaining.pageCount()) {
                        return Optional.ofNullable(correction);
                    }
                    remaining = slice(remaining, pages, remaining.pageCount() - pages);
                }
                case LaunchUpdateOutcome.CpuidRejected rejected -> {
                    if (remaining.type() != PageType.CPUID) {
                        throw new SnpLaunchException("SNP_LAUNCH_UPDATE of " + remaining
                                + " came back as a rejected CPUID page, but it is not one");
                    }
                    if (correction != null) {
                        throw new SnpLaunchException("SNP_LAUNCH_UPDATE of " + remaining
                                + " failed: the firmware rejected its own corrected CPUID page (firmware error "
                                + SevFirmwareError.describe(SevFirmwareError.INVALID_PARAM) + ")");
                    }
                    byte[] returned = rejected.returned();
                    if (returned.length != remaining.length()) {
                        throw new SnpLaunchException("SNP_LAUNCH_UPDATE of " + remaining + " returned "
                                + returned.length + " bytes of corrected CPUID page, expected " + remaining.length());
                    }
                    correction = new CpuidCorrection(remaining.gpa(), remaining.data(), returned);
                    List<String> differences = correction.differences();
                    log.accept(String.format("the SEV firmware rejected the CPUID page at %#x and corrected %d"
                            + " entr%s; retrying once with its values", remaining.gpa(), differences.size(),
                            differences.size() == 1 ? "y" : "ies"));
                    differences.forEach(line -> log.accept("  " + line));
                    remaining = new LaunchUpdate(remaining.gpa(), remaining.length(), PageType.CPUID, returned);
                }
            }
        }
    }

    /** Pages {@code [from, from + pages)} of an update, as an update of their own. */
    static LaunchUpdate slice(LaunchUpdate update, long from, long pages) {
        if (from == 0 && pages == update.pageCount()) {
            return update;
        }
        long gpa = update.gpa() + from * LaunchDigest.PAGE_SIZE;
        long length = pages * LaunchDigest.PAGE_SIZE;
        byte[] data = update.data();
        return new LaunchUpdate(gpa, length, update.type(), data == null ? null
                : Arrays.copyOfRange(data, (int) (from * LaunchDigest.PAGE_SIZE), (int) (from * LaunchDigest.PAGE_SIZE + length)));
    }
}
