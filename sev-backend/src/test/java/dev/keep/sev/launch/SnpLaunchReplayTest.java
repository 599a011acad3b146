package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageType;
import dev.keep.shim.image.KeepImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 7's consistency check: replaying the launcher's page list gives the measurement
 * {@code keep measure} predicts. The replay walks {@link SnpLaunchPlan#launchUpdates()} the way KVM
 * walks an SNP_LAUNCH_UPDATE (gfn_start advances one page at a time until len is 0), then adds the
 * VMSA as LAUNCH_FINISH does, and chains PAGE_INFO records it lays out itself (sev-snp.md §4.1),
 * without the calculator's classes.
 */
class SnpLaunchReplayTest {

    @Test
    void handMadePageInfoChainReproducesPublishedVectorA() throws Exception {
        // §4.1 vector A: one NORMAL page of 4096 zero bytes at GPA 0.
        byte[] digest = chain(new byte[48], PageType.NORMAL.code(), 0, new byte[4096]);
        assertEquals("9d13634b6014bb21cf059b2dc694e7bff01a8a7137041100cd2b695f3d10fb68"
                + "7267b97808b27f8f471d943bc6f53a20", HexFormat.of().formatHex(digest));
    }

    @Test
    void replayingTheLaunchersUpdatesGivesTheMeasurement() throws Exception {
        for (KeepImage image : List.of(LaunchTestImages.snp(), LaunchTestImages.snp(47),
                LaunchTestImages.linked("app.wasm", "--flag", "x"), LaunchTestImages.built())) {
            SnpLaunchPlan plan = SnpLaunchPlan.of(image, SnpLaunchOptions.defaults());
            byte[] digest = new byte[48];
            long pages = 0;
            for (LaunchUpdate update : plan.launchUpdates()) {
                byte[] data = update.data();
                long gfn = update.gpa() >>> 12;
                for (long len = update.length(), offset = 0; len > 0; len -= 4096, offset += 4096, gfn++) {
                    byte[] page = data == null ? null : Arrays.copyOfRange(data, (int) offset, (int) offset + 4096);
                    digest = chain(digest, update.type().code(), gfn << 12, page);
                    pages++;
                }
            }
            digest = chain(digest, PageType.VMSA.code(), 0xFFFF_FFFF_F000L, plan.vmsa().bytes());
            assertEquals(plan.pages().size(), pages + 1);
            assertArrayEquals(digest, SnpMeasurement.of(plan));
        }
    }

    @Test
    void theCalculatorsTypedCallsAgreeWithTheMeasurement() {
        SnpLaunchPlan plan = SnpLaunchPlan.of(LaunchTestImages.snp(), SnpLaunchOptions.defaults());
        LaunchDigest d = new LaunchDigest();
        for (LaunchUpdate update : plan.launchUpdates()) {
            switch (update.type()) {
                case NORMAL -> d.addNormalPages(update.gpa(), update.data());
                case ZERO -> d.addZeroPages(update.gpa(), update.length());
                case SECRETS -> d.addSecretsPage(update.gpa());
                case CPUID -> d.addCpuidPage(update.gpa());
                default -> throw new AssertionError("unexpected launch update " + update);
            }
        }
        d.addVmsaPage(plan.vmsa().bytes());
        assertEquals(plan.pages().size(), d.pageCount());
        assertArrayEquals(d.digest(), SnpMeasurement.of(plan));
    }

    /** One PAGE_INFO: DIGEST_CUR, CONTENTS, LENGTH 0x70, PAGE_TYPE, IMI 0, VMPL3..1 perms 0, reserved, GPA. */
    private static byte[] chain(byte[] current, int type, long gpa, byte[] page) throws Exception {
        boolean measured = type == PageType.NORMAL.code() || type == PageType.VMSA.code();
        byte[] contents = measured ? MessageDigest.getInstance("SHA-384").digest(page) : new byte[48];
        ByteBuffer info = ByteBuffer.allocate(0x70).order(ByteOrder.LITTLE_ENDIAN);
        info.put(current).put(contents).putShort((short) 0x70).put((byte) type);
        info.put(new byte[5]).putLong(gpa);
        return MessageDigest.getInstance("SHA-384").digest(info.array());
    }
}
