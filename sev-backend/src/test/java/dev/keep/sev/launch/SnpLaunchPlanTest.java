package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageType;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepLayout;
import dev.keep.shim.image.MemoryChunk;
import dev.keep.shim.image.PageRole;
import dev.keep.shim.image.PhysicalRange;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The page list of an SNP launch, checked against the image's own page map and chunks. */
class SnpLaunchPlanTest {
    private static final long PAGE = 4096;

    @Test
    void everyPageOfAPrivateRoleIsAddedWithTheTypeItsContentsCall() {
        for (KeepImage image : List.of(LaunchTestImages.snp(), LaunchTestImages.built(),
                LaunchTestImages.linked("app.wasm", "x"))) {
            SnpLaunchPlan plan = SnpLaunchPlan.of(image, SnpLaunchOptions.defaults());
            Map<Long, PageType> planned = new HashMap<>();
            for (LaunchPage page : plan.pages().subList(0, plan.pages().size() - 1)) {
                planned.put(page.gpa(), page.type());
            }
            Set<Long> withContents = pagesTouchedByChunks(image);
            int normal = 0;
            int zero = 0;
            for (PhysicalRange range : image.pageMap().physicalRanges()) {
                for (long gpa = range.address(); gpa < range.end(); gpa += PAGE) {
                    if (gpa == SnpLaunchLayout.SECRETS_PAGE_GPA) {
                        assertEquals(PageType.SECRETS, planned.get(gpa));
                    } else if (gpa == SnpLaunchLayout.CPUID_PAGE_GPA) {
                        assertEquals(PageType.CPUID, planned.get(gpa));
                    } else if (range.role() == PageRole.UNUSED || range.role().shared()) {
                        assertFalse(planned.containsKey(gpa), range.role() + " page 0x" + Long.toHexString(gpa) + " is planned");
                    } else if (withContents.contains(gpa)) {
                        assertEquals(PageType.NORMAL, planned.get(gpa), range.role() + " page 0x" + Long.toHexString(gpa));
                        normal++;
                    } else {
                        assertEquals(PageType.ZERO, planned.get(gpa), range.role() + " page 0x" + Long.toHexString(gpa));
                        zero++;
                    }
                }
            }
            assertEquals(normal, plan.pageCounts().get(PageType.NORMAL));
            assertEquals(zero, plan.pageCounts().get(PageType.ZERO));
            assertEquals(1L, plan.pageCounts().get(PageType.SECRETS));
            assertEquals(1L, plan.pageCounts().get(PageType.CPUID));
            assertEquals(1L, plan.pageCounts().get(PageType.VMSA));
            assertEquals(plan.pages().size(), normal + zero + 3);
        }
    }

    @Test
    void rolesGetTheExpectedTypes() {
        KeepImage image = LaunchTestImages.built();
        SnpLaunchPlan plan = SnpLaunchPlan.of(image, SnpLaunchOptions.defaults());
        Map<PageRole, Set<PageType>> typesByRole = new HashMap<>();
        for (LaunchPage page : plan.pages().subList(0, plan.pages().size() - 1)) {
            if (page.type() == PageType.NORMAL || page.type() == PageType.ZERO) {
                typesByRole.computeIfAbsent(image.pageMap().roleOf(page.gpa()), r -> new HashSet<>()).add(page.type());
            }
        }
        assertEquals(Set.of(PageType.NORMAL), typesByRole.get(PageRole.PAGE_TABLES));
        assertEquals(Set.of(PageType.NORMAL), typesByRole.get(PageRole.RING0_STUBS));
        assertEquals(Set.of(PageType.NORMAL), typesByRole.get(PageRole.RUNTIME_CODE));
        assertEquals(Set.of(PageType.ZERO), typesByRole.get(PageRole.STACK));
        // 3 initial bytes in 3 pages of data: the first page measured, the rest zeroed.
        assertEquals(Set.of(PageType.NORMAL, PageType.ZERO), typesByRole.get(PageRole.DATA));
        assertEquals(Set.of(PageType.NORMAL, PageType.ZERO), typesByRole.get(PageRole.LINEAR_MEMORY));
        assertFalse(typesByRole.containsKey(PageRole.MAILBOX));
        assertFalse(typesByRole.containsKey(PageRole.UNUSED));
    }

    @Test
    void theSnpPagesOfAnSnpImageGetTheirLaunchTypes() {
        KeepImage image = LaunchTestImages.snp();
        SnpLaunchPlan plan = SnpLaunchPlan.of(image, SnpLaunchOptions.defaults());
        Map<Long, PageType> planned = new HashMap<>();
        plan.pages().forEach(page -> planned.put(page.gpa(), page.type()));
        // The firmware's pages, where the image maps them (and with no bytes of the image's own).
        assertEquals(PageRole.SNP_SECRETS, image.pageMap().roleOf(KeepLayout.SNP_SECRETS_ADDRESS));
        assertEquals(PageRole.SNP_CPUID, image.pageMap().roleOf(KeepLayout.SNP_CPUID_ADDRESS));
        assertEquals(PageType.SECRETS, planned.get(KeepLayout.SNP_SECRETS_ADDRESS));
        assertEquals(PageType.CPUID, planned.get(KeepLayout.SNP_CPUID_ADDRESS));
        // Private SNP pages: code and the guest-request state block measured, stack and buffer zeroed.
        for (long gpa = KeepLayout.SNP_CODE_ADDRESS; gpa < KeepLayout.SNP_CODE_ADDRESS + KeepLayout.SNP_CODE_SIZE;
                gpa += PAGE) {
            assertTrue(planned.containsKey(gpa), "SNP code page 0x" + Long.toHexString(gpa));
        }
        assertEquals(PageType.NORMAL, planned.get(KeepLayout.SNP_CODE_ADDRESS));
        assertEquals(PageType.ZERO, planned.get(KeepLayout.VC_STACK_ADDRESS));
        assertEquals(PageType.ZERO, planned.get(KeepLayout.VC_STACK_ADDRESS + PAGE));
        assertEquals(PageType.NORMAL, planned.get(KeepLayout.GUEST_REQUEST_STATE_ADDRESS));
        assertEquals(PageType.ZERO, planned.get(KeepLayout.GUEST_REQUEST_BUFFER_ADDRESS));
        // Shared pages and the unmapped guards between the SNP pages are not launched at all.
        for (long gpa : new long[] {KeepLayout.SNP_GHCB_ADDRESS, KeepLayout.GUEST_REQUEST_PAGE_ADDRESS,
            KeepLayout.GUEST_RESPONSE_PAGE_ADDRESS, KeepLayout.MAILBOX_ADDRESS, 0x33000, 0x38000, 0x3B000}) {
            assertFalse(planned.containsKey(gpa), "page 0x" + Long.toHexString(gpa) + " is planned");
        }
        assertTrue(image.pageMap().roleOf(KeepLayout.SNP_GHCB_ADDRESS).shared());
        assertTrue(image.pageMap().roleOf(KeepLayout.GUEST_RESPONSE_PAGE_ADDRESS).shared());
    }

    @Test
    void anSnpImageMeasuresDifferentlyFromThePlainOneAndPerCBit() {
        byte[] plain = SnpMeasurement.of(SnpLaunchPlan.of(LaunchTestImages.built(), SnpLaunchOptions.defaults()));
        byte[] milan = SnpMeasurement.of(SnpLaunchPlan.of(LaunchTestImages.snp(51), SnpLaunchOptions.defaults()));
        byte[] again = SnpMeasurement.of(SnpLaunchPlan.of(LaunchTestImages.snp(51), SnpLaunchOptions.defaults()));
        byte[] other = SnpMeasurement.of(SnpLaunchPlan.of(LaunchTestImages.snp(47), SnpLaunchOptions.defaults()));
        assertArrayEquals(milan, again);
        assertFalse(java.util.Arrays.equals(plain, milan));
        assertFalse(java.util.Arrays.equals(milan, other));
    }

    @Test
    void normalPagesCarryTheImagesBytesAndZeroPagesNone() {
        KeepImage image = LaunchTestImages.snp();
        for (LaunchPage page : SnpLaunchPlan.of(image, SnpLaunchOptions.defaults()).pages()) {
            switch (page.type()) {
                case NORMAL -> assertArrayEquals(image.read(page.gpa(), (int) PAGE), page.bytes());
                case ZERO -> assertNull(page.bytes());
                case SECRETS -> assertArrayEquals(new byte[(int) PAGE], page.bytes());
                default -> assertEquals(PAGE, page.bytes().length);
            }
        }
    }

    @Test
    void sharedPagesAreNeverAdded() {
        for (KeepImage image : List.of(LaunchTestImages.snp(), LaunchTestImages.linked("app.wasm"))) {
            List<SharedRange> shared = SharedRange.of(image);
            assertEquals(image.snp().isPresent() ? 3 : 1, shared.size(), shared.toString());
            for (LaunchPage page : SnpLaunchPlan.of(image, SnpLaunchOptions.defaults()).pages()) {
                for (SharedRange range : shared) {
                    assertFalse(range.overlaps(page.gpa(), PAGE), page + " lies in " + range);
                }
            }
        }
    }

    @Test
    void pagesAscendByGpaAndTheVmsaComesLast() {
        SnpLaunchPlan plan = SnpLaunchPlan.of(LaunchTestImages.linked("app.wasm"), SnpLaunchOptions.defaults());
        List<LaunchPage> pages = plan.pages();
        for (int i = 1; i < pages.size() - 1; i++) {
            assertTrue(pages.get(i).gpa() > pages.get(i - 1).gpa(), "not ascending at " + pages.get(i));
        }
        for (LaunchPage page : pages.subList(0, pages.size() - 1)) {
            assertTrue(page.type() != PageType.VMSA && page.gpa() % PAGE == 0, page.toString());
        }
        assertEquals(PageType.VMSA, plan.vmsa().type());
        assertEquals(LaunchDigest.VMSA_GPA, plan.vmsa().gpa());
        assertEquals(plan.vmsa(), pages.getLast());
    }

    @Test
    void launchUpdatesCoverTheMemoryPagesInOrderInMaximalRuns() {
        SnpLaunchPlan plan = SnpLaunchPlan.of(LaunchTestImages.snp(), SnpLaunchOptions.defaults());
        List<LaunchUpdate> updates = plan.launchUpdates();
        int index = 0;
        for (int u = 0; u < updates.size(); u++) {
            LaunchUpdate update = updates.get(u);
            for (long offset = 0; offset < update.length(); offset += PAGE) {
                LaunchPage page = plan.pages().get(index++);
                assertEquals(update.gpa() + offset, page.gpa());
                assertEquals(update.type(), page.type());
            }
            if (u > 0) {
                LaunchUpdate before = updates.get(u - 1);
                assertFalse(before.type() == update.type() && before.gpa() + before.length() == update.gpa(),
                        "runs " + before + " and " + update + " could be one");
            }
        }
        assertEquals(plan.pages().size() - 1, index);
    }

    @Test
    void sameImageSamePlanAndMeasurement() {
        SnpLaunchPlan a = SnpLaunchPlan.of(LaunchTestImages.linked("app.wasm", "1"), SnpLaunchOptions.defaults());
        SnpLaunchPlan b = SnpLaunchPlan.of(LaunchTestImages.linked("app.wasm", "1"), SnpLaunchOptions.defaults());
        assertEquals(a.pages().size(), b.pages().size());
        for (int i = 0; i < a.pages().size(); i++) {
            assertEquals(a.pages().get(i).gpa(), b.pages().get(i).gpa());
            assertEquals(a.pages().get(i).type(), b.pages().get(i).type());
            assertArrayEquals(a.pages().get(i).bytes(), b.pages().get(i).bytes());
        }
        assertArrayEquals(SnpMeasurement.of(a), SnpMeasurement.of(b));
        assertEquals(48, SnpMeasurement.of(a).length);
    }

    @Test
    void argumentsAppNameAndSevFeaturesChangeTheMeasurement() {
        byte[] one = SnpMeasurement.of(SnpLaunchPlan.of(LaunchTestImages.linked("app.wasm", "1"), SnpLaunchOptions.defaults()));
        byte[] two = SnpMeasurement.of(SnpLaunchPlan.of(LaunchTestImages.linked("app.wasm", "2"), SnpLaunchOptions.defaults()));
        byte[] renamed = SnpMeasurement.of(SnpLaunchPlan.of(LaunchTestImages.linked("other.wasm", "1"), SnpLaunchOptions.defaults()));
        byte[] debugSwap = SnpMeasurement.of(SnpLaunchPlan.of(LaunchTestImages.linked("app.wasm", "1"),
                new SnpLaunchOptions(SnpLaunchOptions.SNP_ACTIVE | SnpLaunchOptions.DEBUG_SWAP)));
        assertFalse(java.util.Arrays.equals(one, two));
        assertFalse(java.util.Arrays.equals(one, renamed));
        assertFalse(java.util.Arrays.equals(one, debugSwap));
    }

    @Test
    void optionsWithoutSnpActiveAreRefusedInOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SnpLaunchOptions(0x20));
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(e.getMessage().contains("SNPActive"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SnpLaunchPlan.of(null, SnpLaunchOptions.defaults()));
    }

    @Test
    void reservedPagesLieInUnusedMemoryOfEveryPlainImage() {
        for (KeepImage image : List.of(LaunchTestImages.built(), LaunchTestImages.linked("a.wasm"))) {
            assertEquals(PageRole.UNUSED, image.pageMap().roleOf(SnpLaunchLayout.SECRETS_PAGE_GPA));
            assertEquals(PageRole.UNUSED, image.pageMap().roleOf(SnpLaunchLayout.CPUID_PAGE_GPA));
            // Not mapped by the keep's page tables either: no virtual region points at them.
            image.pageMap().virtualRegions().stream().filter(r -> r.physicalAddress() >= 0).forEach(r -> {
                assertFalse(r.physicalAddress() <= SnpLaunchLayout.SECRETS_PAGE_GPA
                        && SnpLaunchLayout.SECRETS_PAGE_GPA < r.physicalAddress() + r.size(), r.toString());
                assertFalse(r.physicalAddress() <= SnpLaunchLayout.CPUID_PAGE_GPA
                        && SnpLaunchLayout.CPUID_PAGE_GPA < r.physicalAddress() + r.size(), r.toString());
            });
        }
    }

    private static Set<Long> pagesTouchedByChunks(KeepImage image) {
        Set<Long> pages = new HashSet<>();
        for (MemoryChunk chunk : image.chunks()) {
            for (long gpa = chunk.address() & -PAGE; gpa < chunk.end(); gpa += PAGE) {
                pages.add(gpa);
            }
        }
        return pages;
    }
}
