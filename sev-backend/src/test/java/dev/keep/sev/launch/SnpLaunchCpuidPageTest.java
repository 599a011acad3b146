package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.sev.measure.PageType;
import dev.keep.shim.image.CpuidLeaf;
import dev.keep.shim.image.KeepImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CPUID page in {@code struct snp_cpuid_table} layout (sev-snp.md §5.6). */
class SnpLaunchCpuidPageTest {

    @Test
    void thePlannedCpuidPageHoldsTheImagesTableEntryByEntry() {
        KeepImage image = LaunchTestImages.linked("app.wasm");
        LaunchPage page = SnpLaunchPlan.of(image, SnpLaunchOptions.defaults()).pages().stream()
                .filter(p -> p.type() == PageType.CPUID).findFirst().orElseThrow();
        assertEquals(SnpLaunchLayout.CPUID_PAGE_GPA, page.gpa());
        ByteBuffer b = ByteBuffer.wrap(page.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        List<CpuidLeaf> leaves = image.entryState().cpuid();
        assertTrue(leaves.size() >= 9, "the keep's table has its leaves");
        assertEquals(leaves.size(), b.getInt(0));
        assertEquals(0, b.getInt(4));
        assertEquals(0, b.getLong(8));
        for (int i = 0; i < leaves.size(); i++) {
            CpuidLeaf leaf = leaves.get(i);
            int at = 16 + 48 * i;
            String which = leaf.toString();
            assertEquals(leaf.function(), b.getInt(at), which);
            assertEquals(leaf.indexSignificant() ? leaf.index() : 0, b.getInt(at + 4), which);
            boolean xsaveSized = leaf.function() == 0xD && leaf.index() <= 1;
            assertEquals(xsaveSized ? image.entryState().xcr0() : 0, b.getLong(at + 8), which + " xcr0_in");
            assertEquals(0, b.getLong(at + 16), which + " xss_in");
            assertEquals(leaf.eax(), b.getInt(at + 24), which);
            assertEquals(leaf.ebx(), b.getInt(at + 28), which);
            assertEquals(leaf.ecx(), b.getInt(at + 32), which);
            assertEquals(leaf.edx(), b.getInt(at + 36), which);
            assertEquals(0, b.getLong(at + 40), which);
        }
        for (int at = 16 + 48 * leaves.size(); at < 4096; at++) {
            assertEquals(0, b.get(at), "byte " + at + " after the entries");
        }
        // The vendor leaf as the keep reports it: "AuthenticAMD" in EBX, EDX, ECX.
        assertEquals(0x6874_7541, b.getInt(16 + 28));
    }

    @Test
    void moreThanSixtyFourLeavesDoNotFit() {
        List<CpuidLeaf> many = Collections.nCopies(65, new CpuidLeaf(0, 0, false, 0, 0, 0, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SnpCpuidPage.of(many, 7));
        assertTrue(e.getMessage().contains("at most 64"), e.getMessage());
        assertEquals(64, ByteBuffer.wrap(SnpCpuidPage.of(many.subList(0, 64), 7)).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
    }
}
