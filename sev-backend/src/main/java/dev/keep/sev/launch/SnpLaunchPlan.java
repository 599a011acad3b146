package dev.keep.sev.launch;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageType;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.MemoryChunk;
import dev.keep.shim.image.PageMap;
import dev.keep.shim.image.PageRole;
import dev.keep.shim.image.PhysicalRange;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Every page an SEV-SNP launch of a keep image hands to the firmware, in the order the firmware
 * measures them. <b>This plan is the single source of truth for the launch:</b> {@link SnpLauncher}
 * issues KVM_SEV_SNP_LAUNCH_UPDATE for exactly {@link #launchUpdates()} (which is {@link #pages()}
 * without the VMSA, in order), and {@code keep measure} predicts the measurement from exactly
 * {@link #pages()} ({@link SnpMeasurement#of}). Neither may add, drop or reorder a page on its own;
 * a change to the launch is a change to this class.
 *
 * <p>The image is normally an SEV-SNP keep image ({@link KeepImage#snp()}, built with {@code
 * KeepImageBuilder.snp(cBit)}): that is the only kind that runs under SNP, because only its page
 * tables carry the C-bit and only it starts in the ring-0 boot code that registers the GHCB. A plain
 * image can be planned too (the same rules, with the two reserved pages {@link PageRole#UNUSED}), but
 * {@link SnpLaunchRequest#forImage} refuses to launch one.
 *
 * <p>The pages, in ascending GPA order, then the VMSA:
 * <ul>
 *   <li><b>NORMAL</b>: every page of a private role (any role but {@link PageRole#UNUSED}, the two
 *       firmware pages and the {@link PageRole#shared() shared} ones) that has initial contents in
 *       one of the image's {@link KeepImage#chunks() chunks}: system area, ring-0 SNP code and
 *       guest-request state block, runtime code, data, initialized linear memory. Its bytes are
 *       measured.</li>
 *   <li><b>ZERO</b>: every other page of a private role (stacks, the #VC stack, the private
 *       guest-request buffer, uninitialized data and linear memory): the firmware zeroes and
 *       validates it without the VMM copying anything.</li>
 *   <li><b>SECRETS</b> at {@link SnpLaunchLayout#SECRETS_PAGE_GPA} and <b>CPUID</b> at
 *       {@link SnpLaunchLayout#CPUID_PAGE_GPA} ({@link SnpCpuidPage}, built from the image's CPUID
 *       table). Both are measured with zero contents. An SNP image maps them as
 *       {@link PageRole#SNP_SECRETS} and {@link PageRole#SNP_CPUID} with no bytes of its own; a plain
 *       image leaves them {@link PageRole#UNUSED}.</li>
 *   <li><b>VMSA</b> of vCPU 0 ({@link KeepVmsa}) last, at {@link LaunchDigest#VMSA_GPA}: KVM adds it
 *       itself inside SNP_LAUNCH_FINISH, from the registers the launcher set.</li>
 * </ul>
 * Not in the plan: the {@link PageRole#shared() shared} pages ({@link SharedRange}: the hostcall
 * mailbox, the GHCB, the guest-request request and response pages), which stay shared (unencrypted)
 * so the host can read and write them; and {@link PageRole#UNUSED} pages, which nothing maps. The
 * launcher leaves those private but unvalidated, so a stray guest access to one faults instead of
 * reading memory the launch did not measure.
 *
 * <p>Not part of the measurement, and therefore not here: the guest policy (SNP_LAUNCH_START), the
 * ID block, the ID authentication block and host_data (SNP_LAUNCH_FINISH). The attestation report
 * carries them in fields of their own.
 */
public final class SnpLaunchPlan {
    private final List<LaunchPage> pages;
    private final SnpLaunchOptions options;

    private SnpLaunchPlan(List<LaunchPage> pages, SnpLaunchOptions options) {
        this.pages = Collections.unmodifiableList(pages);
        this.options = options;
    }

    /**
     * The plan for {@code image}.
     *
     * @throws IllegalArgumentException (one line) when the image puts contents into an unused or
     *     shared page, or onto the pages reserved for the secrets or CPUID page, gives those pages a
     *     role other than the one its mode calls for, or has more CPUID leaves than a CPUID page holds
     */
    public static SnpLaunchPlan of(KeepImage image, SnpLaunchOptions options) {
        if (image == null || options == null) {
            throw new IllegalArgumentException("an SNP launch plan needs an image and options");
        }
        PageMap map = image.pageMap();
        boolean snp = image.snp().isPresent();
        checkReserved(image, SnpLaunchLayout.SECRETS_PAGE_GPA, "secrets", snp ? PageRole.SNP_SECRETS : PageRole.UNUSED);
        checkReserved(image, SnpLaunchLayout.CPUID_PAGE_GPA, "CPUID", snp ? PageRole.SNP_CPUID : PageRole.UNUSED);
        byte[] cpuidPage = SnpCpuidPage.of(image.entryState().cpuid(), image.entryState().xcr0());

        List<LaunchPage> pages = new ArrayList<>();
        for (PhysicalRange range : map.physicalRanges()) {
            for (long gpa = range.address(); gpa < range.end(); gpa += LaunchDigest.PAGE_SIZE) {
                if (gpa == SnpLaunchLayout.SECRETS_PAGE_GPA) {
                    pages.add(new LaunchPage(gpa, PageType.SECRETS, new byte[LaunchDigest.PAGE_SIZE]));
                } else if (gpa == SnpLaunchLayout.CPUID_PAGE_GPA) {
                    pages.add(new LaunchPage(gpa, PageType.CPUID, cpuidPage));
                } else if (range.role() == PageRole.SNP_SECRETS || range.role() == PageRole.SNP_CPUID) {
                    throw new IllegalArgumentException(String.format(
                            "the image has a %s page at %#x; the SNP launch puts it only at %#x", range.role(), gpa,
                            range.role() == PageRole.SNP_SECRETS
                                    ? SnpLaunchLayout.SECRETS_PAGE_GPA : SnpLaunchLayout.CPUID_PAGE_GPA));
                } else if (range.role() == PageRole.UNUSED || range.role().shared()) {
                    requireZero(image, gpa, range.role());
                } else if (hasContents(image, gpa)) {
                    pages.add(new LaunchPage(gpa, PageType.NORMAL, image.read(gpa, LaunchDigest.PAGE_SIZE)));
                } else {
                    pages.add(new LaunchPage(gpa, PageType.ZERO, null));
                }
            }
        }
        pages.add(new LaunchPage(LaunchDigest.VMSA_GPA, PageType.VMSA, KeepVmsa.of(image.entryState(), options)));
        return new SnpLaunchPlan(pages, options);
    }

    /** Every page in measurement order; the last one is vCPU 0's VMSA. */
    public List<LaunchPage> pages() {
        return pages;
    }

    /** The VMSA page KVM measures at SNP_LAUNCH_FINISH (the last of {@link #pages()}). */
    public LaunchPage vmsa() {
        return pages.getLast();
    }

    /**
     * The KVM_SEV_SNP_LAUNCH_UPDATE calls the launcher issues, in order: {@link #pages()} without the
     * VMSA, with runs of contiguous pages of one type joined into one call.
     */
    public List<LaunchUpdate> launchUpdates() {
        List<LaunchUpdate> updates = new ArrayList<>();
        List<LaunchPage> memory = pages.subList(0, pages.size() - 1);
        int start = 0;
        for (int i = 1; i <= memory.size(); i++) {
            boolean runEnds = i == memory.size()
                    || memory.get(i).type() != memory.get(start).type()
                    || memory.get(i).gpa() != memory.get(i - 1).gpa() + LaunchDigest.PAGE_SIZE;
            if (runEnds) {
                updates.add(run(memory.subList(start, i)));
                start = i;
            }
        }
        return updates;
    }

    /** How many pages of each type the launch measures (types that do not occur are absent). */
    public Map<PageType, Long> pageCounts() {
        Map<PageType, Long> counts = new EnumMap<>(PageType.class);
        for (LaunchPage page : pages) {
            counts.merge(page.type(), 1L, Long::sum);
        }
        return Collections.unmodifiableMap(counts);
    }

    public SnpLaunchOptions options() {
        return options;
    }

    private static LaunchUpdate run(List<LaunchPage> run) {
        LaunchPage first = run.getFirst();
        long length = (long) run.size() * LaunchDigest.PAGE_SIZE;
        if (first.type() == PageType.ZERO) {
            return new LaunchUpdate(first.gpa(), length, PageType.ZERO, null);
        }
        ByteArrayOutputStream data = new ByteArrayOutputStream((int) length);
        for (LaunchPage page : run) {
            data.writeBytes(page.bytes());
        }
        return new LaunchUpdate(first.gpa(), length, first.type(), data.toByteArray());
    }

    private static boolean hasContents(KeepImage image, long gpa) {
        for (MemoryChunk chunk : image.chunks()) {
            if (chunk.address() < gpa + LaunchDigest.PAGE_SIZE && chunk.end() > gpa) {
                return true;
            }
        }
        return false;
    }

    /** Unmeasured pages must not carry initial contents, or the launch would silently drop them. */
    private static void requireZero(KeepImage image, long gpa, PageRole role) {
        if (!hasContents(image, gpa)) {
            return;
        }
        for (byte b : image.read(gpa, LaunchDigest.PAGE_SIZE)) {
            if (b != 0) {
                throw new IllegalArgumentException(String.format(
                        "the image has initial contents in the %s page at %#x, which an SNP launch does not measure",
                        role, gpa));
            }
        }
    }

    /**
     * The firmware fills the secrets and CPUID pages, so the image must leave them empty; an SNP
     * image maps them with their own role, a plain image not at all.
     */
    private static void checkReserved(KeepImage image, long gpa, String what, PageRole expected) {
        if (gpa + LaunchDigest.PAGE_SIZE > image.memorySize()) {
            throw new IllegalArgumentException(String.format(
                    "the keep's %#x bytes of memory do not reach the %s page at %#x", image.memorySize(), what, gpa));
        }
        PageRole role = image.pageMap().roleOf(gpa);
        if (role != expected) {
            throw new IllegalArgumentException(String.format(
                    "the %s image uses the page at %#x as %s, but an SNP launch reserves it for the %s page (%s)",
                    image.snp().isPresent() ? "SNP" : "plain", gpa, role, what, expected));
        }
        if (hasContents(image, gpa)) {
            throw new IllegalArgumentException(String.format(
                    "the image has initial contents in the page at %#x that an SNP launch reserves for the %s page",
                    gpa, what));
        }
    }
}
