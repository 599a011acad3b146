package dev.keep.sev.launch;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.PageRole;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Everything one SEV-SNP launch of a keep needs, checked up front so the firmware never has to
 * reject what Keep could have caught (with an errno that says little).
 *
 * @param plan the pages to launch ({@link SnpLaunchPlan}; the measurement follows from it alone)
 * @param memorySize guest-physical memory, one slot at GPA 0 (a multiple of 4096)
 * @param sharedRanges the memory that stays shared with the host, in ascending GPA order: the
 *     hostcall mailbox and, for an SNP image, the GHCB and the guest-request exchange pages
 * @param policy the guest policy for SNP_LAUNCH_START
 * @param idBlock the optional ID block for SNP_LAUNCH_FINISH
 * @param hostData the 32 bytes of HOST_DATA for SNP_LAUNCH_FINISH
 */
public record SnpLaunchRequest(SnpLaunchPlan plan, long memorySize, List<SharedRange> sharedRanges,
        SnpGuestPolicy policy, Optional<SnpIdBlock> idBlock, byte[] hostData) {

    private static final long PAGE = LaunchDigest.PAGE_SIZE;

    /**
     * @throws IllegalArgumentException (one line) when the policy is one KVM refuses, the memory is
     *     misaligned, the shared ranges are out of order, overlap or leave memory, there is no hostcall
     *     mailbox among them, a launch page lies outside memory or inside a shared range, host_data is
     *     not 32 bytes, or the ID block vouches for another measurement or policy
     */
    public SnpLaunchRequest {
        if (plan == null || sharedRanges == null || policy == null || idBlock == null) {
            throw new IllegalArgumentException(
                    "an SNP launch needs a plan, its shared ranges, a policy and an (optional) ID block");
        }
        policy.requireKvmAccepts();
        if (memorySize <= 0 || memorySize % PAGE != 0) {
            throw new IllegalArgumentException("guest memory must be a positive multiple of 4096 bytes, got "
                    + memorySize);
        }
        sharedRanges = List.copyOf(sharedRanges);
        long previousEnd = 0;
        for (SharedRange shared : sharedRanges) {
            if (shared.gpa() < previousEnd || shared.end() > memorySize) {
                throw new IllegalArgumentException(String.format(
                        "the shared range %s must follow the one before it and lie inside the keep's %#x bytes",
                        shared, memorySize));
            }
            previousEnd = shared.end();
        }
        if (sharedRanges.stream().noneMatch(r -> r.role() == PageRole.MAILBOX)) {
            throw new IllegalArgumentException("the keep has no hostcall mailbox among its shared ranges");
        }
        for (LaunchUpdate update : plan.launchUpdates()) {
            if (update.gpa() + update.length() > memorySize) {
                throw new IllegalArgumentException(update + " lies beyond the keep's memory");
            }
            for (SharedRange shared : sharedRanges) {
                if (shared.overlaps(update.gpa(), update.length())) {
                    throw new IllegalArgumentException(update + " overlaps the shared range " + shared);
                }
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

    /**
     * The request for an SEV-SNP keep image: its plan, memory size and every {@link PageRole#shared()
     * shared} range.
     *
     * @throws IllegalArgumentException (one line) for a plain image (it has no C-bit in its page
     *     tables and would fault on its first instruction) and for everything the constructor refuses
     */
    public static SnpLaunchRequest forImage(KeepImage image, SnpLaunchOptions options, SnpGuestPolicy policy,
            Optional<SnpIdBlock> idBlock, byte[] hostData) {
        if (image == null) {
            throw new IllegalArgumentException("an SNP launch needs an image");
        }
        if (image.snp().isEmpty()) {
            throw new IllegalArgumentException("an SNP launch needs an SEV-SNP keep image (built with the host's"
                    + " C-bit position); this one is a plain keep image");
        }
        return new SnpLaunchRequest(SnpLaunchPlan.of(image, options), image.memorySize(), SharedRange.of(image),
                policy, idBlock, hostData);
    }

    /**
     * The request for the keep {@code images} builds for {@code host}: has the image built with the
     * host's C-bit position ({@link SnpHost#cBitPosition}, from its CPUID; {@link SnpHost#from} already
     * refused a host without SEV-SNP) and checks that the image carries it.
     *
     * @throws IllegalArgumentException (one line) for everything {@link #forImage} refuses, and when
     *     the image was built for another C-bit
     */
    public static SnpLaunchRequest forHost(SnpHost host, SnpImageFactory images, SnpLaunchOptions options,
            SnpGuestPolicy policy, Optional<SnpIdBlock> idBlock, byte[] hostData) {
        if (host == null || images == null) {
            throw new IllegalArgumentException("an SNP launch for this host needs the host's CPUID and an image factory");
        }
        int cBit = host.cBitPosition();
        KeepImage image = images.build(cBit);
        int built = image == null || image.snp().isEmpty() ? -1 : image.snp().get().cBitPosition();
        if (built != cBit) {
            throw new IllegalArgumentException("the image factory was asked for an SEV-SNP image with the C-bit at "
                    + cBit + " but built " + (built < 0 ? "a plain image" : "one with the C-bit at " + built));
        }
        return forImage(image, options, policy, idBlock, hostData);
    }

    /** The hostcall mailbox (the first shared range of that role). */
    public SharedRange mailbox() {
        return sharedRanges.stream().filter(r -> r.role() == PageRole.MAILBOX).findFirst().orElseThrow();
    }

    @Override
    public byte[] hostData() {
        return hostData.clone();
    }
}
