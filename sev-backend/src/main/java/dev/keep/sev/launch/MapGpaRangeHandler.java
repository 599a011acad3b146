package dev.keep.sev.launch;

import dev.keep.kvm.KvmConstants;
import dev.keep.kvm.VcpuExit;
import java.util.function.Consumer;

/**
 * Answers the keep's page-state changes, which KVM forwards as KVM_EXIT_HYPERCALL with
 * {@code nr = KVM_HC_MAP_GPA_RANGE} and {@code args = (gpa, npages, attributes)} (sev-snp.md §1.1
 * step 11). The only memory a keep ever shares with the host is the hostcall mailbox, so the
 * handler lets exactly that range go shared (KVM_SET_MEMORY_ATTRIBUTES with attributes 0) and
 * refuses every other request, including any request to make memory private again: a keep that
 * asks for anything else is broken or compromised, and the refusal is reported.
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

    private final long mailboxGpa;
    private final long mailboxEnd;
    private final MemoryAttributeControl memory;
    private final Consumer<String> report;

    /** @param report receives the one-line message of every refused request */
    public MapGpaRangeHandler(long mailboxGpa, long mailboxSize, MemoryAttributeControl memory,
            Consumer<String> report) {
        if (mailboxGpa < 0 || mailboxSize <= 0 || mailboxGpa % PAGE != 0 || mailboxSize % PAGE != 0
                || memory == null || report == null) {
            throw new IllegalArgumentException(String.format(
                    "a page-state handler needs a page-aligned mailbox, memory control and a report (mailbox %#x+%#x)",
                    mailboxGpa, mailboxSize));
        }
        this.mailboxGpa = mailboxGpa;
        this.mailboxEnd = mailboxGpa + mailboxSize;
        this.memory = memory;
        this.report = report;
    }

    /** The handler for a launch request's mailbox. */
    public static MapGpaRangeHandler forLaunch(SnpLaunchRequest request, MemoryAttributeControl memory,
            Consumer<String> report) {
        return new MapGpaRangeHandler(request.mailboxGpa(), request.mailboxSize(), memory, report);
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
        if (gpa < mailboxGpa || gpa + size > mailboxEnd) {
            return refuse(REFUSED, String.format("refused the keep's request to share %s with the host: only the"
                    + " mailbox %#x+%#x may be shared", range, mailboxGpa, mailboxEnd - mailboxGpa));
        }
        memory.setMemoryAttributes(gpa, size, MemoryAttributeControl.SHARED);
        return new Decision(OK, "shared " + range + " (hostcall mailbox) with the host");
    }

    private Decision refuse(long ret, String message) {
        report.accept(message);
        return new Decision(ret, message);
    }
}
