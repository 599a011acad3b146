package dev.keep.shim.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.shim.image.ImageDecoder.Translation;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EntryStateTest {
    private final KeepImage image = TestImages.typical().build();
    private final EntryState e = image.entryState();

    @Test
    void startsAtCplThreeWithLinuxUserSelectors() {
        assertEquals(0x33, e.cs().selector());
        assertEquals(3, e.cs().dpl());
        assertTrue(e.cs().l() && !e.cs().db() && e.cs().present() && e.cs().s());
        assertEquals(11, e.cs().type());
        assertEquals(0x2B, e.ss().selector());
        assertEquals(3, e.ss().dpl());
        assertEquals(3, e.ss().type());
        assertEquals(0x2B, e.ds().selector());
        assertEquals(0x2B, e.es().selector());
        assertTrue(e.fs().unusable() && e.gs().unusable() && e.ldt().unusable());
        // The cached descriptors agree with what the GDT holds for those selectors.
        ImageDecoder decoder = new ImageDecoder(image);
        assertEquals(decoder.descriptor(0x33).dpl(), e.cs().dpl());
        assertEquals(decoder.descriptor(0x2B).type(), e.ss().type());
    }

    @Test
    void controlRegistersEnableLongModeNxWriteProtectAndXsave() {
        assertEquals(0x80050033L, e.cr0(), "PG AM WP NE ET MP PE");
        assertEquals(0, e.cr0() & (EntryState.CR0_EM | EntryState.CR0_TS), "SSE must not trap");
        assertEquals(0x20 | 0x200 | 0x400 | 0x40000, e.cr4(), "PAE OSFXSR OSXMMEXCPT OSXSAVE");
        assertEquals(0xD00, e.efer(), "LME LMA NXE");
        assertEquals(0, e.efer() & EntryState.EFER_SCE, "syscall disabled");
        assertEquals(0x7, e.xcr0(), "x87 SSE AVX");
        assertEquals(0, e.rflags() & 0x3000, "IOPL 0");
        assertTrue((e.rflags() & 2) != 0);
    }

    @Test
    void ripIsUserExecutableAndRspIsTheAlignedStackTop() {
        ImageDecoder decoder = new ImageDecoder(image);
        Translation code = decoder.walk(e.rip());
        assertTrue(code.present() && code.user() && code.executable() && !code.writable());
        assertEquals(KeepLayout.USER_STACK_TOP, e.rsp());
        assertEquals(0, e.rsp() % 16);
        Translation stack = decoder.walk(e.rsp() - 8);
        assertTrue(stack.present() && stack.user() && stack.writable() && !stack.executable());
        KeepImage shifted = TestImages.typical().code(TestImages.largeCode(), 100).build();
        assertEquals(KeepLayout.USER_CODE_ADDRESS + 100, shifted.entryState().rip());
    }

    private CpuidLeaf leaf(int function, int index) {
        return e.cpuid().stream().filter(l -> l.function() == function && l.index() == index)
                .findFirst().orElseThrow(() -> new AssertionError("no leaf " + function));
    }

    @Test
    void cpuidTableAdvertisesXsaveAndAvxConsistentlyWithXcr0() {
        CpuidLeaf l1 = leaf(1, 0);
        assertTrue((l1.ecx() & (1 << 26)) != 0, "XSAVE");
        assertTrue((l1.ecx() & (1 << 27)) != 0, "OSXSAVE");
        assertTrue((l1.ecx() & (1 << 28)) != 0, "AVX");
        assertTrue((l1.ecx() & (1 << 19)) != 0, "SSE4.1");
        assertTrue((l1.edx() & (1 << 26)) != 0, "SSE2");
        assertTrue((leaf(7, 0).ebx() & (1 << 5)) != 0, "AVX2");
        assertTrue(leaf(7, 0).indexSignificant());
        CpuidLeaf xsave = leaf(0xD, 0);
        assertEquals(e.xcr0(), xsave.eax() & 0xFFFF_FFFFL);
        assertEquals(0x340, xsave.ebx());
        assertEquals(256, leaf(0xD, 2).eax());
        assertEquals(576, leaf(0xD, 2).ebx());
        assertTrue((leaf(0x8000_0001, 0).edx() & (1 << 20)) != 0, "NX");
        assertTrue((leaf(0x8000_0001, 0).edx() & (1 << 29)) != 0, "LM");
        assertTrue(leaf(0, 0).eax() >= 0xD, "max leaf covers 0xD");
        ByteBuffer vendor = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        vendor.putInt(leaf(0, 0).ebx()).putInt(leaf(0, 0).edx()).putInt(leaf(0, 0).ecx());
        assertEquals("AuthenticAMD", new String(vendor.array(), StandardCharsets.US_ASCII));
    }

    @Test
    void sameInputsGiveTheSameBytesAndDifferentInputsDoNot() {
        KeepImage again = TestImages.typical().build();
        assertEquals(image.chunks().size(), again.chunks().size());
        for (int i = 0; i < image.chunks().size(); i++) {
            assertEquals(image.chunks().get(i).address(), again.chunks().get(i).address());
            assertTrue(java.util.Arrays.equals(image.chunks().get(i).bytes(),
                    again.chunks().get(i).bytes()));
        }
        assertEquals(image.entryState(), again.entryState());
        assertEquals(java.util.HexFormat.of().formatHex(image.digest()),
                java.util.HexFormat.of().formatHex(again.digest()));
        KeepImage other = TestImages.typical().linearMemoryData(4096, new byte[] {9}).build();
        assertNotEquals(java.util.HexFormat.of().formatHex(image.digest()),
                java.util.HexFormat.of().formatHex(other.digest()));
        KeepImage otherStack = TestImages.typical().stackSize(128 * 1024).build();
        assertFalse(java.util.Arrays.equals(image.digest(), otherStack.digest()));
    }
}
