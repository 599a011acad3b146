package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.kvm.Libc;
import dev.keep.sev.CpuidSevInfo;
import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageAttributes;
import dev.keep.sev.measure.PageType;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepLayout;
import dev.keep.shim.image.PageRole;
import dev.keep.shim.image.PhysicalRange;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The launcher's call sequence for a real linked keep image, recorded by {@link
 * RecordingLaunchDevice} (a test double: there is no SEV hardware or /dev/kvm here), and the
 * consistency the issue asks for: replaying the recorded SNP_LAUNCH_UPDATE calls through the
 * launch digest calculator gives what {@code keep measure} prints ({@link SnpMeasurement#of}).
 */
class SnpLauncherTest {

    private static final byte[] HOST_DATA = HexFormat.of().parseHex(
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");

    private final KeepImage image = LaunchTestImages.snp();
    private final List<String> log = new ArrayList<>();

    private SnpLaunchRequest request() {
        return SnpLaunchRequest.forImage(image, SnpLaunchOptions.defaults(), SnpGuestPolicy.defaults(),
                Optional.empty(), HOST_DATA);
    }

    private SnpLaunchResult launch(RecordingLaunchDevice device, SnpLaunchRequest request) throws SnpLaunchException {
        return new SnpLauncher(device, log::add).launch(request);
    }

    @Test
    void issuesTheWholeSequenceInOrderWithItsArguments() throws Exception {
        RecordingLaunchDevice device = new RecordingLaunchDevice();
        SnpLaunchRequest request = request();
        launch(device, request);

        long memory = image.memorySize();
        long mailboxEnd = KeepLayout.MAILBOX_ADDRESS + KeepLayout.MAILBOX_SIZE;
        long ghcbEnd = KeepLayout.SNP_GHCB_ADDRESS + 0x1000;
        // Everything is private except the mailbox (0x20000-0x2ffff), the GHCB (0x32000) and the
        // guest-request exchange pages (0x3e000-0x3ffff), which keep KVM's default: shared.
        List<String> expected = new ArrayList<>(List.of(
                "KVM_CREATE_VM[4]",
                "KVM_SEV_INIT2[0, 2]",                               // SNPActive is KVM's to add
                "KVM_ENABLE_CAP[201, 4096]",                         // 1 << KVM_HC_MAP_GPA_RANGE
                "KVM_CREATE_GUEST_MEMFD[" + memory + "]",
                "KVM_SET_USER_MEMORY_REGION2[0, 0, " + memory + ", 42, 0]",
                "KVM_SET_MEMORY_ATTRIBUTES[0, " + KeepLayout.MAILBOX_ADDRESS + ", 8]",
                "KVM_SET_MEMORY_ATTRIBUTES[" + mailboxEnd + ", " + (KeepLayout.SNP_GHCB_ADDRESS - mailboxEnd) + ", 8]",
                "KVM_SET_MEMORY_ATTRIBUTES[" + ghcbEnd + ", " + (KeepLayout.GUEST_REQUEST_PAGE_ADDRESS - ghcbEnd) + ", 8]",
                "KVM_SET_MEMORY_ATTRIBUTES[" + KeepLayout.SNP_AREA_END + ", " + (memory - KeepLayout.SNP_AREA_END) + ", 8]",
                "KVM_CREATE_VCPU[0]",
                "SNP_LAUNCH_START[" + 0x30000 + "]"));
        for (LaunchUpdate update : request.plan().launchUpdates()) {
            expected.add("SNP_LAUNCH_UPDATE[" + update.gpa() + ", " + update.length() + ", " + update.type() + "]");
        }
        expected.add("SNP_LAUNCH_FINISH[false, " + HexFormat.of().formatHex(HOST_DATA) + "]");
        assertEquals(expected, device.calls.stream().map(RecordingLaunchDevice.Call::toString).toList());
        assertTrue(log.isEmpty(), "nothing to report for a clean launch: " + log);
    }

    @Test
    void issuesEveryPlannedPageExactlyOnceWithItsTypeAndBytes() throws Exception {
        RecordingLaunchDevice device = new RecordingLaunchDevice();
        SnpLaunchRequest request = request();
        launch(device, request);

        List<LaunchPage> planned = request.plan().pages().subList(0, request.plan().pages().size() - 1);
        List<LaunchPage> issued = pagesOf(device.acceptedUpdates);
        assertEquals(planned.size(), issued.size());
        Set<Long> seen = new HashSet<>();
        for (int i = 0; i < planned.size(); i++) {
            LaunchPage want = planned.get(i);
            LaunchPage got = issued.get(i);
            assertTrue(seen.add(got.gpa()), "page " + got + " issued twice");
            assertEquals(want.gpa(), got.gpa());
            assertEquals(want.type(), got.type(), "type of page " + want);
            assertArrayEquals(want.bytes(), got.bytes(), "bytes of page " + want);
        }
        // The image has all the kinds of page the plan produces.
        Set<PageType> types = new HashSet<>();
        issued.forEach(p -> types.add(p.type()));
        assertEquals(Set.of(PageType.NORMAL, PageType.ZERO, PageType.SECRETS, PageType.CPUID), types);
    }

    @Test
    void replayingTheRecordedUpdatesGivesWhatKeepMeasurePrints() throws Exception {
        for (KeepImage keep : List.of(image, LaunchTestImages.snp(47))) {
            RecordingLaunchDevice device = new RecordingLaunchDevice();
            SnpLaunchRequest request = SnpLaunchRequest.forImage(keep, SnpLaunchOptions.defaults(),
                    SnpGuestPolicy.defaults(), Optional.empty(), null);
            SnpLaunchResult result = launch(device, request);

            byte[] replayed = replay(device.acceptedUpdates, request.plan().vmsa());
            byte[] predicted = SnpMeasurement.of(request.plan());
            assertArrayEquals(predicted, replayed);
            assertArrayEquals(predicted, result.measurement());
            assertEquals(device.acceptedUpdates, result.issued());
        }
    }

    @Test
    void continuesWhereKvmStoppedWhenAnUpdateIsProcessedInParts() throws Exception {
        RecordingLaunchDevice device = new RecordingLaunchDevice().processingAtMost(3);
        SnpLaunchRequest request = request();
        SnpLaunchResult result = launch(device, request);

        assertTrue(device.updateCalls.size() > request.plan().launchUpdates().size(), "some update was split");
        for (LaunchUpdate call : device.updateCalls) {
            assertTrue(call.pageCount() >= 1);
        }
        assertTrue(keys(pagesOf(request.plan().launchUpdates())).equals(keys(pagesOf(device.acceptedUpdates))),
                "the pieces add up to the planned pages");
        assertArrayEquals(SnpMeasurement.of(request.plan()), replay(device.acceptedUpdates, request.plan().vmsa()));
        assertArrayEquals(SnpMeasurement.of(request.plan()), result.measurement());
    }

    @Test
    void retriesARejectedCpuidPageOnceWithTheFirmwaresCorrection() throws Exception {
        // The firmware's answer: leaf 7's EBX lost a bit the host cannot offer, and leaf 1's ECX too.
        RecordingLaunchDevice device = new RecordingLaunchDevice().rejectingCpuid(1, page -> {
            byte[] fixed = page.clone();
            ByteBuffer b = ByteBuffer.wrap(fixed).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(SnpCpuidPage.HEADER_SIZE + 24 + 4, b.getInt(SnpCpuidPage.HEADER_SIZE + 24 + 4) ^ 0x100);
            b.putInt(SnpCpuidPage.HEADER_SIZE + SnpCpuidPage.ENTRY_SIZE + 24 + 8, 0x1234);
            return fixed;
        });
        SnpLaunchRequest request = request();
        SnpLaunchResult result = launch(device, request);

        List<LaunchUpdate> cpuidCalls = device.updateCalls.stream().filter(u -> u.type() == PageType.CPUID).toList();
        assertEquals(2, cpuidCalls.size(), "one rejected attempt and one retry");
        CpuidCorrection correction = result.cpuidCorrection().orElseThrow();
        assertArrayEquals(cpuidCalls.get(0).data(), correction.sent());
        assertArrayEquals(cpuidCalls.get(1).data(), correction.corrected());
        assertFalse(Arrays.equals(correction.sent(), correction.corrected()));
        assertEquals(2, correction.differences().size(), correction.differences().toString());
        LaunchUpdate issuedCpuid = result.issued().stream().filter(u -> u.type() == PageType.CPUID).findFirst()
                .orElseThrow();
        assertArrayEquals(correction.corrected(), issuedCpuid.data(), "the launched page is the corrected one");

        assertEquals(3, log.size(), "a summary line and one line per differing entry: " + log);
        assertTrue(log.get(0).contains("CPUID page at 0x31000") && log.get(0).contains("2 entries"), log.get(0));
        assertTrue(log.get(1).contains("ebx"), log.get(1));
        assertTrue(log.get(2).contains("ecx") && log.get(2).contains("0x00001234"), log.get(2));
        // CPUID contents are not measured (zero CONTENTS in PAGE_INFO), so the digest is unchanged.
        assertArrayEquals(SnpMeasurement.of(request.plan()), result.measurement());
        assertArrayEquals(SnpMeasurement.of(request.plan()), replay(device.acceptedUpdates, request.plan().vmsa()));
    }

    @Test
    void aSecondCpuidRejectionEndsTheLaunch() {
        RecordingLaunchDevice device = new RecordingLaunchDevice().rejectingCpuid(2, page -> {
            byte[] fixed = page.clone();
            fixed[SnpCpuidPage.HEADER_SIZE + 24] ^= 1;
            return fixed;
        });
        SnpLaunchException e = assertThrows(SnpLaunchException.class, () -> launch(device, request()));
        assertTrue(e.getMessage().contains("0x16 INVALID_PARAM"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(device.callNames().contains("SNP_LAUNCH_FINISH"));
        assertEquals(2, device.updateCalls.stream().filter(u -> u.type() == PageType.CPUID).count());
    }

    @Test
    void aFirmwareErrorStopsTheLaunchWithOneLineNamingIt() {
        SnpLaunchException fw = new SnpLaunchException("SNP_LAUNCH_START(policy 0x30000)", 5, Libc.strerror(5), 0x07);
        assertEquals("SNP_LAUNCH_START(policy 0x30000) failed: " + Libc.strerror(5)
                + " (errno 5), firmware error 0x07 POLICY_FAILURE", fw.getMessage());
        RecordingLaunchDevice device = new RecordingLaunchDevice().failing("SNP_LAUNCH_START", fw);

        SnpLaunchException e = assertThrows(SnpLaunchException.class, () -> launch(device, request()));
        assertSame(fw, e);
        assertEquals("SNP_LAUNCH_START", device.callNames().getLast(), "nothing after the failing call");
        assertEquals(0x07, e.firmwareError());
        assertEquals(5, e.errno());
    }

    @Test
    void firmwareErrorNamesCoverTheSnpCodes() {
        assertEquals("0x16 INVALID_PARAM", SevFirmwareError.describe(0x16));
        assertEquals("0x1a INVALID_PAGE_STATE", SevFirmwareError.describe(0x1A));
        assertEquals("0x27 INVALID_KEY", SevFirmwareError.describe(0x27));
        assertEquals("0x1e UNKNOWN", SevFirmwareError.describe(0x1E));
        assertEquals("x failed: " + Libc.strerror(22) + " (errno 22)",
                new SnpLaunchException("x", 22, Libc.strerror(22), 0).getMessage());
    }

    @Test
    void passesAMatchingIdBlockToLaunchFinishAndRefusesOneForAnotherLaunch() throws Exception {
        SnpLaunchPlan plan = SnpLaunchPlan.of(image, SnpLaunchOptions.defaults());
        byte[] block = new byte[96];
        System.arraycopy(SnpMeasurement.of(plan), 0, block, 0, 48);
        ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).putInt(0x50, 1).putLong(0x58, 0x30000);
        SnpIdBlock id = new SnpIdBlock(block, new byte[4096], false);

        RecordingLaunchDevice device = new RecordingLaunchDevice();
        launch(device, SnpLaunchRequest.forImage(image, SnpLaunchOptions.defaults(), SnpGuestPolicy.defaults(),
                Optional.of(id), HOST_DATA));
        assertEquals(List.of(true, HexFormat.of().formatHex(HOST_DATA)), device.calls.getLast().args());

        block[0] ^= 1;
        SnpIdBlock wrongDigest = new SnpIdBlock(block, new byte[4096], false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SnpLaunchRequest.forImage(
                image, SnpLaunchOptions.defaults(), SnpGuestPolicy.defaults(), Optional.of(wrongDigest), HOST_DATA));
        assertTrue(e.getMessage().startsWith("the ID block vouches for launch digest"), e.getMessage());

        block[0] ^= 1;
        SnpGuestPolicy debug = SnpGuestPolicy.fromMap(java.util.Map.of("debug", true));
        e = assertThrows(IllegalArgumentException.class, () -> SnpLaunchRequest.forImage(
                image, SnpLaunchOptions.defaults(), debug, Optional.of(new SnpIdBlock(block, new byte[4096], true)),
                HOST_DATA));
        assertEquals("the ID block vouches for guest policy 0x30000 but the launch uses 0xb0000", e.getMessage());
    }

    @Test
    void refusesBadRequestsBeforeTouchingTheDevice() {
        SnpLaunchPlan plan = SnpLaunchPlan.of(image, SnpLaunchOptions.defaults());
        SnpGuestPolicy policy = SnpGuestPolicy.defaults();
        List<SharedRange> shared = SharedRange.of(image);
        assertThrows(IllegalArgumentException.class, () -> new SnpLaunchRequest(plan, image.memorySize(),
                shared, policy, Optional.empty(), new byte[31]));
        IllegalArgumentException overlap = assertThrows(IllegalArgumentException.class, () -> new SnpLaunchRequest(
                plan, image.memorySize(), List.of(new SharedRange(0, 0x2000, PageRole.MAILBOX)), policy,
                Optional.empty(), null));
        assertEquals("LaunchUpdate[NORMAL 0x1000+0x16000] overlaps the shared range 0x0+0x2000 (MAILBOX)",
                overlap.getMessage());
        IllegalArgumentException noMailbox = assertThrows(IllegalArgumentException.class, () -> new SnpLaunchRequest(
                plan, image.memorySize(), shared.subList(1, shared.size()), policy, Optional.empty(), null));
        assertEquals("the keep has no hostcall mailbox among its shared ranges", noMailbox.getMessage());
        IllegalArgumentException unordered = assertThrows(IllegalArgumentException.class, () -> new SnpLaunchRequest(
                plan, image.memorySize(), shared.reversed(), policy, Optional.empty(), null));
        assertTrue(unordered.getMessage().contains("must follow the one before it"), unordered.getMessage());
        IllegalArgumentException singleSocket = assertThrows(IllegalArgumentException.class, () -> SnpLaunchRequest
                .forImage(image, SnpLaunchOptions.defaults(), SnpGuestPolicy.fromMap(java.util.Map.of(
                        "single_socket", true)), Optional.empty(), null));
        assertEquals("SNP guest policy single_socket = true is not supported by KVM", singleSocket.getMessage());
    }

    @Test
    void refusesToLaunchAPlainImage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SnpLaunchRequest.forImage(
                LaunchTestImages.built(), SnpLaunchOptions.defaults(), SnpGuestPolicy.defaults(), Optional.empty(),
                null));
        assertEquals("an SNP launch needs an SEV-SNP keep image (built with the host's C-bit position); this one is a"
                + " plain keep image", e.getMessage());
    }

    @Test
    void keepsEverySharedRangeOfTheImageShared() {
        SnpLaunchRequest request = request();
        List<String> shared = request.sharedRanges().stream().map(SharedRange::toString).toList();
        assertEquals(List.of("0x20000+0x10000 (MAILBOX)", "0x32000+0x1000 (GHCB)",
                "0x3e000+0x2000 (GUEST_REQUEST_SHARED)"), shared);
        assertEquals(new SharedRange(KeepLayout.MAILBOX_ADDRESS, KeepLayout.MAILBOX_SIZE, PageRole.MAILBOX),
                request.mailbox());
        // Each one matches the image's page map role by role, and every other page is private.
        for (PhysicalRange range : image.pageMap().physicalRanges()) {
            boolean listed = request.sharedRanges().contains(new SharedRange(range.address(), range.size(),
                    range.role()));
            assertEquals(range.role().shared(), listed, range.toString());
        }
    }

    @Test
    void forHostBuildsTheImageWithTheHostsCBit() throws Exception {
        SnpHost milan = SnpHost.from(cpuidWithCBit(51));
        List<Integer> asked = new ArrayList<>();
        SnpLaunchRequest request = SnpLaunchRequest.forHost(milan, cBit -> {
            asked.add(cBit);
            return LaunchTestImages.snp(cBit);
        }, SnpLaunchOptions.defaults(), SnpGuestPolicy.defaults(), Optional.empty(), HOST_DATA);
        assertEquals(List.of(51), asked);
        assertArrayEquals(SnpMeasurement.of(request.plan()), SnpMeasurement.of(request().plan()));

        SnpHost other = SnpHost.from(cpuidWithCBit(47));
        SnpLaunchRequest forOther = SnpLaunchRequest.forHost(other, LaunchTestImages::snp, SnpLaunchOptions.defaults(),
                SnpGuestPolicy.defaults(), Optional.empty(), HOST_DATA);
        assertFalse(Arrays.equals(SnpMeasurement.of(request.plan()), SnpMeasurement.of(forOther.plan())),
                "the C-bit is in the page tables, CR3 and the CPUID page, so it changes the measurement");

        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> SnpLaunchRequest.forHost(
                milan, cBit -> LaunchTestImages.snp(47), SnpLaunchOptions.defaults(), SnpGuestPolicy.defaults(),
                Optional.empty(), null));
        assertEquals("the image factory was asked for an SEV-SNP image with the C-bit at 51 but built one with the"
                + " C-bit at 47", wrong.getMessage());
        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class, () -> SnpLaunchRequest.forHost(
                milan, cBit -> LaunchTestImages.built(), SnpLaunchOptions.defaults(), SnpGuestPolicy.defaults(),
                Optional.empty(), null));
        assertEquals("the image factory was asked for an SEV-SNP image with the C-bit at 51 but built a plain image",
                plain.getMessage());
    }

    /** What CPUID reports on an EPYC host with SEV, SEV-ES and SEV-SNP enabled and the C-bit at {@code cBit}. */
    static CpuidSevInfo cpuidWithCBit(int cBit) {
        return new CpuidSevInfo(CpuidSevInfo.AMD_VENDOR, 0x80000021L, true, 0x1_FDFF, (1 << 12) | (1 << 6) | cBit,
                509, 100);
    }

    @Test
    void passesTheSevFeaturesWithoutSnpActiveToInit2() throws Exception {
        RecordingLaunchDevice device = new RecordingLaunchDevice();
        SnpLaunchOptions debugSwap = new SnpLaunchOptions(SnpLaunchOptions.SNP_ACTIVE | SnpLaunchOptions.DEBUG_SWAP);
        launch(device, SnpLaunchRequest.forImage(image, debugSwap, SnpGuestPolicy.defaults(), Optional.empty(), null));
        assertEquals(List.of(SnpLaunchOptions.DEBUG_SWAP, 2), device.calls.get(1).args());
    }

    /** The recorded updates split into 4 KiB pages, as KVM hands them to the firmware. */
    private static List<LaunchPage> pagesOf(List<LaunchUpdate> updates) {
        List<LaunchPage> pages = new ArrayList<>();
        for (LaunchUpdate update : updates) {
            byte[] data = update.data();
            for (long i = 0; i < update.pageCount(); i++) {
                int from = (int) (i * LaunchDigest.PAGE_SIZE);
                pages.add(new LaunchPage(update.gpa() + from, update.type(),
                        data == null ? null : Arrays.copyOfRange(data, from, from + LaunchDigest.PAGE_SIZE)));
            }
        }
        return pages;
    }

    /** Type, GPA and a hash of the bytes of each page (LaunchPage compares its array by identity). */
    private static List<String> keys(List<LaunchPage> pages) {
        return pages.stream().map(p -> p.type() + "@" + p.gpa() + "#" + Arrays.hashCode(p.bytes())).toList();
    }

    /** The digest calculator fed with the recorded calls, then the VMSA KVM adds at LAUNCH_FINISH. */
    private static byte[] replay(List<LaunchUpdate> updates, LaunchPage vmsa) {
        LaunchDigest digest = new LaunchDigest();
        for (LaunchUpdate update : updates) {
            digest.addRegion(update.type(), update.gpa(), update.data(), update.length(), PageAttributes.NONE);
        }
        digest.addVmsaPage(vmsa.bytes());
        return digest.digest();
    }
}
