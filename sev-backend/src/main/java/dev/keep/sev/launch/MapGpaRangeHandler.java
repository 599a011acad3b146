package dev.keep.sev.launch;

import dev.keep.kvm.KvmConstants;
import dev.keep.kvm.VcpuExit;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Answers the keep's page-state changes, which KVM forwards as KVM_EXIT_HYPERCALL with
 * {@code nr = KVM_HC_MAP_GPA_RANGE} and {@code args = (gpa, npages, attributes)} (sev-snp.md §1.1
 * step 11). The only memory a keep ever shares with the host is its {@link SharedRange shared
 * ranges} (the hostcall mailbox; in an SNP image also the GHCB and the guest-request exchange pages),
 * so the handler lets a request go shared (KVM_SET_MEMORY_ATTRIBUTES with attributes 0) only when it
 * lies inside one of them, and refuses every other request, including any request to make memory
 * private again: a keep that asks for anything else is broken or compromised, and the refusal is
 * reported.
 */
public final class MapGpaRangeHandler {

    /** hypercall.ret for an accepted change. */
    public static final long OK = 0;
    /** -KVM_EPERM: the change is not allowed. */
    public static final long REFUSED = -1;
    /** -KVM_EINVAL: the arguments are malformed. */
    public static final long INVALID = -22;
    /** -KVM_ENOSYS: not a hypercall this handler serves. */
    public static final long NOT_SUPPORTED = -1000;

    private static final long PAGE = 4096;
    private static final long KNOWN_ATTRIBUTES = KvmConstants.KVM_MAP_GPA_RANGE_ENCRYPTED
            | KvmConstants.KVM_MAP_GPA_RANGE_PAGE_SZ_2M | KvmConstants.KVM_MAP_GPA_RANGE_PAGE_SZ_1G;

    /**
     * The handler's answer.
     *
     * @param ret the value for kvm_run.hypercall.ret (0 accepted, negative refused)
     * @param message one line saying what was done or why not
     */
    public record Decision(long ret, String message) {
        public boolean accepted() {
            return ret == OK;
        }
    }

    private final List<SharedRange> shared;
    private final MemoryAttributeControl memory;
    private final Consumer<String> report;

    /**
     * @param shared the ranges the keep may share, at least one
     * @param report receives the one-line message of every refused request
     */
    public MapGpaRangeHandler(List<SharedRange> shared, MemoryAttributeControl memory, Consumer<String> report) {
        if (shared == null || shared.isEmpty() || shared.stream().anyMatch(java.util.Objects::isNull) || memory == null
                || report == null) {
            throw new IllegalArgumentException(
                    "a page-state handler needs the shared ranges, memory control and a report");
        }
        this.shared = List.copyOf(shared);
        this.memory = memory;
        this.report = report;
    }

    /** The handler for a launch request's shared ranges. */
    public static MapGpaRangeHandler forLaunch(SnpLaunchRequest request, MemoryAttributeControl memory,
            Consumer<String> report) {
        return new MapGpaRangeHandler(request.sharedRanges(), memory, report);
    }

    /**
     * Handles a hypercall exit and writes the answer into its {@code ret}.
     *
     * @throws SnpLaunchException when KVM_SET_MEMORY_ATTRIBUTES itself fails (the VM cannot go on)
     */
    public Decision handle(VcpuExit.Hypercall call) throws SnpLaunchException {
        Decision decision;
        if (call.nr() != KvmConstants.KVM_HC_MAP_GPA_RANGE) {
            decision = refuse(NOT_SUPPORTED, "the keep made hypercall " + call.nr()
                    + ", which is not KVM_HC_MAP_GPA_RANGE");
        } else {
            decision = handle(call.args().get(0), call.args().get(1), call.args().get(2));
        }
        call.answer(decision.ret());
        return decision;
    }

    /** Decides on a page-state change of {@code npages} 4 KiB pages at {@code gpa} and applies it if allowed. */
    public Decision handle(long gpa, long npages, long attributes) throws SnpLaunchException {
        if (npages <= 0 || gpa < 0 || gpa % PAGE != 0 || npages > (Long.MAX_VALUE - gpa) / PAGE
                || (attributes & ~KNOWN_ATTRIBUTES) != 0) {
            return refuse(INVALID, String.format("the keep sent a malformed page-state change: gpa %#x, %d pages,"
                    + " attributes %#x", gpa, npages, attributes));
        }
        long size = npages * PAGE;
        boolean toPrivate = (attributes & KvmConstants.KVM_MAP_GPA_RANGE_ENCRYPTED) != 0;
        String range = String.format("%#x+%#x", gpa, size);
        if (toPrivate) {
            return refuse(REFUSED, "refused the keep's request to make " + range
                    + " private: Keep never converts memory back to private");
        }
        for (SharedRange allowed : shared) {
            if (allowed.covers(gpa, size)) {
                memory.setMemoryAttributes(gpa, size, MemoryAttributeControl.SHARED);
                return new Decision(OK, "shared " + range + " (" + allowed.role() + ") with the host");
            }
        }
        return refuse(REFUSED, "refused the keep's request to share " + range + " with the host: only "
                + shared.stream().map(SharedRange::toString).collect(Collectors.joining(", ")) + " may be shared");
    }

    private Decision refuse(long ret, String message) {
        report.accept(message);
        return new Decision(ret, message);
    }
}
