package dev.keep.sev.measure;

import static dev.keep.sev.measure.TestData.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The single-page and chain vectors of sev-snp.md §4.1, plus the calculator's own contract. */
class LaunchDigestTest {

    private static final String A = "9d13634b6014bb21cf059b2dc694e7bff01a8a7137041100cd2b695f3d10fb68"
            + "7267b97808b27f8f471d943bc6f53a20";
    private static final String B = "4bd4147976a1e7554c1c778a781affc1c672f1965a727ba16084989b7e356044"
            + "a28bbe585a2f75dac9356fa5ab78f061";
    private static final String C = "cc5aed6a06f63b38d24155dfa38e924c44b41d2339bc8a7d3cb1995e67607e88"
            + "89a81c2d42e75bb95627b40e344b8929";
    private static final String D = "56a257bb27ff6656e6b6bc227e34e6bbce81bf7ccdf961c680295369708e4df2"
            + "80fa28220ab7c554ef7cf24fabb86504";
    private static final String E = "0acb0f4e9aa7ba97447f36f5cdf321a2f5b0682d1b57467571bde89f1920df24"
            + "d03f18bd3c20e27400e0fdae40d02d92";
    private static final String F = "f4577da9b848673216afc3909e5ea7aa80150dda441526874cd2b0282894709b"
            + "46484c13a07221aefbedfff667199259";
    private static final String G = "f6741910fc3349f40b1f443300a3ca65c5046c5405db1dc42b13ae3d5cd36382"
            + "e55114593fd48a9d80da790dbabd7b9d";

    private static final byte[] ZERO_PAGE = new byte[4096];

    @Test
    void startsAtFortyEightZeroBytes() {
        assertArrayEquals(new byte[48], new LaunchDigest().digest());
    }

    @Test
    void singlePageVectorsOfEveryType() {
        assertEquals(A, new LaunchDigest().addNormalPage(0, ZERO_PAGE).digestHex());
        assertEquals(B, new LaunchDigest().addZeroPage(0x1000).digestHex());
        assertEquals(C, new LaunchDigest().addUnmeasuredPage(0x2000).digestHex());
        assertEquals(D, new LaunchDigest().addSecretsPage(0x3000).digestHex());
        assertEquals(E, new LaunchDigest().addCpuidPage(0x4000).digestHex());
        assertEquals(F, new LaunchDigest().addVmsaPage(ZERO_PAGE).digestHex());
    }

    @Test
    void chainOfAllTypes() {
        LaunchDigest d = new LaunchDigest()
                .addNormalPage(0, ZERO_PAGE)
                .addZeroPage(0x1000)
                .addUnmeasuredPage(0x2000)
                .addSecretsPage(0x3000)
                .addCpuidPage(0x4000)
                .addVmsaPage(ZERO_PAGE);
        assertEquals(G, d.digestHex());
        assertEquals(6, d.pageCount());
    }

    @Test
    void eachStepIsSha384OfThePageInfo() throws Exception {
        byte[] page = randomPage(7);
        LaunchDigest d = new LaunchDigest().addZeroPage(0x5000);
        byte[] before = d.digest();
        d.addNormalPage(0x6000, page);
        byte[] contents = MessageDigest.getInstance("SHA-384").digest(page);
        byte[] info = new PageInfo(before, contents, PageType.NORMAL, PageAttributes.NONE, 0x6000).toBytes();
        assertArrayEquals(MessageDigest.getInstance("SHA-384").digest(info), d.digest());
    }

    @Test
    void pageInfoCanBeChainedDirectly() {
        LaunchDigest viaInfo = new LaunchDigest();
        viaInfo.addPageInfo(new PageInfo(viaInfo.digest(), new byte[48], PageType.ZERO, PageAttributes.NONE, 0x1000));
        assertEquals(B, viaInfo.digestHex());
        PageInfo stale = new PageInfo(new byte[48], new byte[48], PageType.ZERO, PageAttributes.NONE, 0x1000);
        assertThrows(IllegalArgumentException.class, () -> viaInfo.addPageInfo(stale));
    }

    @Test
    void unmeasuredTypesIgnoreTheBytesTheVmmSupplies() {
        byte[] cpuidTable = randomPage(3);
        assertEquals(E, new LaunchDigest().addPage(PageType.CPUID, 0x4000, cpuidTable, PageAttributes.NONE)
                .digestHex());
    }

    @Test
    void attributesAreMeasured() {
        String plain = new LaunchDigest().addZeroPage(0x1000).digestHex();
        assertEquals(plain, new LaunchDigest().addPage(PageType.ZERO, 0x1000, null, PageAttributes.NONE).digestHex());
        for (PageAttributes attrs : new PageAttributes[] {
            new PageAttributes(true, 0, 0, 0), new PageAttributes(false, 1, 0, 0),
            new PageAttributes(false, 0, 1, 0), new PageAttributes(false, 0, 0, 1)}) {
            String other = new LaunchDigest().addPage(PageType.ZERO, 0x1000, null, attrs).digestHex();
            assertFalse(plain.equals(other), "attributes " + attrs + " must change the digest");
        }
    }

    @Test
    void regionHelpersEqualPageByPage() {
        byte[] region = new byte[3 * 4096];
        new Random(11).nextBytes(region);
        LaunchDigest single = new LaunchDigest();
        for (int i = 0; i < 3; i++) {
            single.addNormalPage(0x10000 + i * 4096L, Arrays.copyOfRange(region, i * 4096, (i + 1) * 4096));
        }
        for (int i = 0; i < 2; i++) {
            single.addZeroPage(0x20000 + i * 4096L);
        }
        for (int i = 0; i < 2; i++) {
            single.addUnmeasuredPage(0x30000 + i * 4096L);
        }
        LaunchDigest regions = new LaunchDigest()
                .addNormalPages(0x10000, region)
                .addZeroPages(0x20000, 2 * 4096)
                .addRegion(PageType.UNMEASURED, 0x30000, null, 2 * 4096, PageAttributes.NONE);
        assertArrayEquals(single.digest(), regions.digest());
        assertEquals(7, regions.pageCount());
    }

    @Test
    void orderMatters() {
        byte[] a = new LaunchDigest().addZeroPage(0x1000).addZeroPage(0x2000).digest();
        byte[] b = new LaunchDigest().addZeroPage(0x2000).addZeroPage(0x1000).digest();
        assertFalse(Arrays.equals(a, b));
    }

    @Test
    void deterministic() {
        byte[] page = randomPage(5);
        byte[] first = buildSample(page);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(first, buildSample(page.clone()));
        }
    }

    @Test
    void resumesFromAKnownDigest() {
        LaunchDigest head = new LaunchDigest().addNormalPage(0, ZERO_PAGE);
        LaunchDigest resumed = LaunchDigest.resumingFrom(head.digest()).addZeroPage(0x1000);
        assertArrayEquals(new LaunchDigest().addNormalPage(0, ZERO_PAGE).addZeroPage(0x1000).digest(),
                resumed.digest());
        assertThrows(IllegalArgumentException.class, () -> LaunchDigest.resumingFrom(new byte[32]));
        assertThrows(IllegalArgumentException.class, () -> LaunchDigest.resumingFrom(null));
    }

    @Test
    void badInputIsRefusedWithOneLineAndLeavesTheDigestUnchanged() {
        LaunchDigest d = new LaunchDigest().addZeroPage(0x1000);
        byte[] before = d.digest();
        assertRefused(() -> d.addNormalPage(0x1001, ZERO_PAGE), "not 4 KiB aligned");
        assertRefused(() -> d.addNormalPage(-4096, ZERO_PAGE), "outside");
        assertRefused(() -> d.addZeroPage(1L << 52), "outside");
        assertRefused(() -> d.addNormalPage(0, new byte[4095]), "exactly 4096 bytes");
        assertRefused(() -> d.addNormalPage(0, null), "exactly 4096 bytes");
        assertRefused(() -> d.addVmsaPage(new byte[8192]), "exactly 4096 bytes");
        assertRefused(() -> d.addNormalPages(0, new byte[4097]), "multiple of 4096");
        assertRefused(() -> d.addZeroPages(0, 0), "multiple of 4096");
        assertRefused(() -> d.addZeroPages((1L << 52) - 4096, 8192), "outside");
        assertRefused(() -> d.addRegion(PageType.NORMAL, 0, new byte[4096], 8192, PageAttributes.NONE),
                "needs exactly");
        assertRefused(() -> d.addPage(null, 0, null, PageAttributes.NONE), "required");
        assertArrayEquals(before, d.digest());
        assertEquals(1, d.pageCount());
    }

    @Test
    void digestIsACopy() {
        LaunchDigest d = new LaunchDigest().addZeroPage(0x1000);
        d.digest()[0] ^= 1;
        assertEquals(B, d.digestHex());
        assertArrayEquals(hex(B), d.digest());
    }

    private static void assertRefused(Runnable call, String messagePart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static byte[] buildSample(byte[] page) {
        return new LaunchDigest()
                .addNormalPage(0x100000, page)
                .addZeroPages(0x200000, 0x3000)
                .addSecretsPage(0x300000)
                .addCpuidPage(0x301000)
                .addUnmeasuredPage(0x302000)
                .addVmsaPage(page)
                .digest();
    }

    private static byte[] randomPage(long seed) {
        byte[] page = new byte[4096];
        new Random(seed).nextBytes(page);
        return page;
    }
}
