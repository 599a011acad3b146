package dev.keep.sev.launch;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.PageRole;
import dev.keep.shim.image.PhysicalRange;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Everything one SEV-SNP launch of a keep needs, checked up front so the firmware never has to
 * reject what Keep could have caught (with an errno that says little).
 *
 * @param plan the pages to launch ({@link SnpLaunchPlan}; the measurement follows from it alone)
 * @param memorySize guest-physical memory, one slot at GPA 0 (a multiple of 4096)
 * @param mailboxGpa start of the hostcall mailbox, the only range that stays shared
 * @param mailboxSize its size (a multiple of 4096)
 * @param policy the guest policy for SNP_LAUNCH_START
 * @param idBlock the optional ID block for SNP_LAUNCH_FINISH
 * @param hostData the 32 bytes of HOST_DATA for SNP_LAUNCH_FINISH
 */
public record SnpLaunchRequest(SnpLaunchPlan plan, long memorySize, long mailboxGpa, long mailboxSize,
        SnpGuestPolicy policy, Optional<SnpIdBlock> idBlock, byte[] hostData) {

    private static final long PAGE = LaunchDigest.PAGE_SIZE;

    /**
     * @throws IllegalArgumentException (one line) when the policy is one KVM refuses, the memory or
     *     mailbox is misaligned, a launch page lies outside memory or inside the mailbox, host_data
     *     is not 32 bytes, or the ID block vouches for another measurement or policy
     */
    public SnpLaunchRequest {
        if (plan == null || policy == null || idBlock == null) {
            throw new IllegalArgumentException("an SNP launch needs a plan, a policy and an (optional) ID block");
        }
        policy.requireKvmAccepts();
        if (memorySize <= 0 || memorySize % PAGE != 0) {
            throw new IllegalArgumentException("guest memory must be a positive multiple of 4096 bytes, got "
                    + memorySize);
        }
        if (mailboxGpa < 0 || mailboxSize <= 0 || mailboxGpa % PAGE != 0 || mailboxSize % PAGE != 0
                || mailboxGpa + mailboxSize > memorySize) {
            throw new IllegalArgumentException(String.format(
                    "the mailbox %#x+%#x must be whole pages inside the keep's %#x bytes",
                    mailboxGpa, mailboxSize, memorySize));
        }
        for (LaunchUpdate update : plan.launchUpdates()) {
            long end = update.gpa() + update.length();
            if (end > memorySize) {
                throw new IllegalArgumentException(update + " lies beyond the keep's memory");
            }
            if (update.gpa() < mailboxGpa + mailboxSize && end > mailboxGpa) {
                throw new IllegalArgumentException(update + " overlaps the shared mailbox");
            }
        }
        hostData = hostData == null ? new byte[SnpLaunchAbi.HOST_DATA_SIZE] : hostData.clone();
        if (hostData.length != SnpLaunchAbi.HOST_DATA_SIZE) {
            throw new IllegalArgumentException("host_data is exactly 32 bytes, got " + hostData.length);
        }
        if (idBlock.isPresent()) {
            SnpIdBlock block = idBlock.get();
            byte[] measurement = SnpMeasurement.of(plan);
            if (!MessageDigest.isEqual(block.launchDigest(), measurement)) {
                throw new IllegalArgumentException("the ID block vouches for launch digest "
                        + HexFormat.of().formatHex(block.launchDigest()) + " but this launch measures "
                        + HexFormat.of().formatHex(measurement));
            }
            if (block.policy() != policy.bits()) {
                throw new IllegalArgumentException(String.format(
                        "the ID block vouches for guest policy %#x but the launch uses %#x",
                        block.policy(), policy.bits()));
            }
        }
    }

    /** The request for a linked keep image: its plan, memory size and mailbox range. */
    public static SnpLaunchRequest forImage(KeepImage image, SnpLaunchOptions options, SnpGuestPolicy policy,
            Optional<SnpIdBlock> idBlock, byte[] hostData) {
        if (image == null) {
            throw new IllegalArgumentException("an SNP launch needs an image");
        }
        PhysicalRange mailbox = null;
        for (PhysicalRange range : image.pageMap().physicalRanges()) {
            if (range.role() == PageRole.MAILBOX) {
                if (mailbox != null) {
                    throw new IllegalArgumentException("the image has more than one mailbox range");
                }
                mailbox = range;
            }
        }
        if (mailbox == null) {
            throw new IllegalArgumentException("the image has no hostcall mailbox");
        }
        return new SnpLaunchRequest(SnpLaunchPlan.of(image, options), image.memorySize(), mailbox.address(),
                mailbox.size(), policy, idBlock, hostData);
    }

    @Override
    public byte[] hostData() {
        return hostData.clone();
    }
}
