package dev.keep.shim.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.shim.abi.HostcallAbi;
import dev.keep.shim.image.ImageDecoder.Leaf;
import dev.keep.shim.image.ImageDecoder.TableEntry;
import dev.keep.shim.image.ImageDecoder.Translation;
import dev.keep.shim.snp.AttestationCall;
import dev.keep.shim.snp.SnpLayout;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SEV-SNP variant of the image, read back with the independent {@link ImageDecoder}: C-bit on
 * every private page and every table, clear on the shared pages; the #VC gate; the CPUID table;
 * the boot entry state; the guest-request state block; and that the plain image did not change.
 */
class SnpImageTest {
    /** The C-bit of current EPYC parts (Milan, Genoa). */
    private static final int C_BIT = 51;

    private static KeepImage plain;
    private static KeepImage snp;
    private static ImageDecoder decoder;

    @BeforeAll
    static void build() {
        plain = TestImages.typical().build();
        snp = TestImages.typical().snp(C_BIT).build();
        decoder = new ImageDecoder(snp, C_BIT);
    }

    private static VirtualRegion owner(long va) {
        for (VirtualRegion region : snp.pageMap().virtualRegions()) {
            if (region.contains(va)) {
                return region;
            }
        }
        throw new AssertionError(String.format("%#x lies in no region", va));
    }

    @Test
    void everyPrivateLeafCarriesTheCBitAndEverySharedLeafDoesNot() {
        int shared = 0;
        int encrypted = 0;
        for (Leaf leaf : decoder.leaves()) {
            VirtualRegion region = owner(leaf.virtualAddress());
            String what = String.format("%s leaf %#x", region.role(), leaf.virtualAddress());
            assertTrue(region.mapped(), what);
            assertEquals(!region.role().shared(), leaf.encrypted(), what);
            if (leaf.encrypted()) {
                encrypted++;
            } else {
                shared++;
            }
        }
        // 16 mailbox pages, the GHCB, and the guest-request request and response pages.
        assertEquals(16 + 1 + 2, shared);
        // Every plain leaf but the mailbox's, plus secrets, CPUID, 4 code, 2 stack, 2 state pages.
        int plainLeaves = new ImageDecoder(plain).leaves().size();
        assertEquals(plainLeaves - 16 + 10, encrypted);
    }

    @Test
    void theSharedPagesAreTheMailboxTheGhcbAndTheGuestRequestPagesAtTheirOwnAddresses() {
        Translation mailbox = decoder.walk(HostcallAbi.MAILBOX_ADDRESS);
        assertFalse(mailbox.encrypted());
        assertEquals(HostcallAbi.MAILBOX_ADDRESS, mailbox.physical(), "the host finds it where it always did");
        Translation ghcb = decoder.walk(KeepLayout.SNP_GHCB_ADDRESS);
        assertFalse(ghcb.encrypted());
        assertEquals(KeepLayout.SNP_GHCB_ADDRESS, ghcb.physical());
        assertFalse(ghcb.user(), "ring 3 never touches the GHCB");
        assertTrue(ghcb.writable());
        assertFalse(ghcb.executable());
        for (long page : new long[] {KeepLayout.GUEST_REQUEST_PAGE_ADDRESS,
            KeepLayout.GUEST_RESPONSE_PAGE_ADDRESS}) {
            Translation t = decoder.walk(page);
            assertFalse(t.encrypted());
            assertFalse(t.user());
            assertEquals(page, t.physical());
        }
        assertFalse(decoder.walk(KeepLayout.SNP_GHCB_ADDRESS + KeepLayout.PAGE_SIZE).present(),
                "guard after the GHCB");
        assertEquals(PageRole.GHCB, snp.pageMap().roleOf(KeepLayout.SNP_GHCB_ADDRESS));
        assertTrue(PageRole.GHCB.shared());
        assertTrue(PageRole.GUEST_REQUEST_SHARED.shared());
        assertFalse(PageRole.GUEST_REQUEST_STATE.shared());
    }

    @Test
    void everyTableEntryAndCr3CarryTheCBit() {
        List<TableEntry> entries = decoder.tableEntries();
        assertTrue(entries.size() >= 6, "table entries: " + entries.size());
        for (TableEntry entry : entries) {
            assertTrue(entry.encrypted(), String.format("table entry at %#x", entry.entryAddress()));
            assertEquals(PageRole.PAGE_TABLES, snp.pageMap().roleOf(entry.table()));
        }
        assertEquals(KeepLayout.PAGE_TABLES_ADDRESS | 1L << C_BIT, snp.entryState().cr3());
        // The tables themselves are private, read-only ring-0 pages.
        Translation tables = decoder.walk(KeepLayout.PAGE_TABLES_ADDRESS);
        assertTrue(tables.encrypted());
        assertFalse(tables.writable());
    }

    @Test
    void withoutTheCBitTheSnpMappingsAreThePlainOnesPlusTheSnpPages() {
        ImageDecoder plainDecoder = new ImageDecoder(plain);
        List<Leaf> plainLeaves = plainDecoder.leaves();
        List<Leaf> snpLeaves = new ArrayList<>();
        for (Leaf leaf : decoder.leaves()) {
            if (leaf.virtualAddress() < KeepLayout.SNP_SECRETS_ADDRESS
                    || leaf.virtualAddress() >= KeepLayout.SNP_AREA_END) {
                snpLeaves.add(new Leaf(leaf.virtualAddress(), leaf.physical(), leaf.size(),
                        leaf.user(), leaf.writable(), leaf.executable(), false));
            }
        }
        assertEquals(plainLeaves, snpLeaves);
        for (VirtualRegion region : snp.pageMap().virtualRegions()) {
            for (long off = 0; region.mapped() && off < region.size(); off += KeepLayout.PAGE_SIZE) {
                Translation t = decoder.walk(region.address() + off);
                String what = region.role() + String.format(" page %#x", region.address() + off);
                assertEquals(region.physicalAddress() + off, t.physical(), what);
                assertEquals(region.access().user(), t.user(), what);
                assertEquals(region.access().writable(), t.writable(), what);
                assertEquals(region.access().executable(), t.executable(), what);
            }
        }
    }

    @Test
    void theSnpPagesHaveTheirRolesAndAccess() {
        PageMap map = snp.pageMap();
        assertEquals(PageRole.SNP_SECRETS, map.roleOf(KeepLayout.SNP_SECRETS_ADDRESS));
        assertEquals(PageRole.SNP_CPUID, map.roleOf(KeepLayout.SNP_CPUID_ADDRESS));
        assertEquals(PageRole.RING0_STUBS, map.roleOf(KeepLayout.SNP_CODE_ADDRESS));
        assertEquals(PageRole.IST_STACK, map.roleOf(KeepLayout.VC_STACK_ADDRESS));
        assertEquals(PageRole.GUEST_REQUEST_STATE, map.roleOf(KeepLayout.GUEST_REQUEST_STATE_ADDRESS));
        assertEquals(PageRole.GUEST_REQUEST_STATE, map.roleOf(KeepLayout.GUEST_REQUEST_BUFFER_ADDRESS));
        assertEquals(PageRole.GUEST_REQUEST_SHARED, map.roleOf(KeepLayout.GUEST_RESPONSE_PAGE_ADDRESS));
        assertEquals(PageRole.UNUSED, map.roleOf(KeepLayout.SNP_AREA_END));
        for (long page : new long[] {KeepLayout.SNP_SECRETS_ADDRESS, KeepLayout.SNP_CPUID_ADDRESS}) {
            Translation t = decoder.walk(page);
            assertTrue(t.encrypted());
            assertFalse(t.user() || t.writable() || t.executable(), String.format("%#x", page));
        }
        Translation code = decoder.walk(KeepLayout.SNP_CODE_ADDRESS);
        assertTrue(code.executable() && !code.writable() && !code.user());
        assertFalse(decoder.walk(KeepLayout.VC_STACK_ADDRESS - 1).present(), "guard below #VC stack");
        assertFalse(decoder.walk(KeepLayout.VC_STACK_TOP).present(), "guard above #VC stack");
        assertTrue(decoder.walk(KeepLayout.VC_STACK_TOP - 8).writable());
        assertFalse(decoder.walk(KeepLayout.SNP_AREA_END).present());
    }

    @Test
    void onlyPrivatePagesOutsideTheFirmwarePagesHaveInitialContents() {
        for (MemoryChunk chunk : snp.chunks()) {
            for (long page = chunk.address() & -KeepLayout.PAGE_SIZE; page < chunk.end();
                    page += KeepLayout.PAGE_SIZE) {
                PageRole role = snp.pageMap().roleOf(page);
                String what = String.format("chunk page %#x (%s)", page, role);
                assertFalse(role.shared(), what);
                assertFalse(role == PageRole.SNP_SECRETS || role == PageRole.SNP_CPUID, what);
            }
        }
        assertEquals(0L, snp.readLong(KeepLayout.SNP_SECRETS_ADDRESS));
        assertEquals(0L, snp.readLong(KeepLayout.SNP_CPUID_ADDRESS));
    }

    @Test
    void theGuestRequestStateBlockNamesItsPagesAndStartsWithNoSequenceNumberUsed() {
        long state = KeepLayout.GUEST_REQUEST_STATE_ADDRESS;
        assertEquals(KeepLayout.SNP_SECRETS_ADDRESS, snp.readLong(state + SnpLayout.STATE_SECRETS_PAGE));
        assertEquals(KeepLayout.GUEST_REQUEST_PAGE_ADDRESS,
                snp.readLong(state + SnpLayout.STATE_REQUEST_PAGE));
        assertEquals(KeepLayout.GUEST_RESPONSE_PAGE_ADDRESS,
                snp.readLong(state + SnpLayout.STATE_RESPONSE_PAGE));
        assertEquals(KeepLayout.GUEST_REQUEST_BUFFER_ADDRESS,
                snp.readLong(state + SnpLayout.STATE_MESSAGE_BUFFER));
        assertEquals(0L, snp.readLong(state + SnpLayout.STATE_LAST_SEQNO));
        assertEquals(0L, snp.readLong(state + SnpLayout.STATE_AWAITED_SEQNO));
        assertArrayEquals(new byte[SnpLayout.GCM_ARGS_SIZE],
                snp.read(state + SnpLayout.STATE_GCM_ARGS, SnpLayout.GCM_ARGS_SIZE));
        // The secrets page and the message buffer are private, the two exchange pages shared.
        assertTrue(decoder.walk(snp.readLong(state + SnpLayout.STATE_SECRETS_PAGE)).encrypted());
        assertTrue(decoder.walk(snp.readLong(state + SnpLayout.STATE_MESSAGE_BUFFER)).encrypted());
        assertFalse(decoder.walk(snp.readLong(state + SnpLayout.STATE_REQUEST_PAGE)).encrypted());
        assertFalse(decoder.walk(snp.readLong(state + SnpLayout.STATE_RESPONSE_PAGE)).encrypted());
        assertTrue(decoder.walk(state).encrypted() && decoder.walk(state).writable());
    }

    @Test
    void vectorTwentyNineGoesToTheVcHandlerOnItsOwnIstStack() {
        ImageDecoder plainDecoder = new ImageDecoder(plain);
        SnpKeep parts = snp.snp().orElseThrow();
        for (int vector = 0; vector < Idt.VECTORS; vector++) {
            ImageDecoder.Gate gate = decoder.gate(vector);
            if (vector == 29) {
                assertEquals(parts.code().vcHandler(), gate.target());
                assertEquals(Gdt.KERNEL_CS, gate.selector());
                assertEquals(2, gate.ist());
                assertEquals(0, gate.dpl(), "ring 3 cannot raise #VC with int 29");
                assertEquals(0xE, gate.type());
                assertTrue(gate.present());
            } else {
                assertEquals(plainDecoder.gate(vector), gate, "vector " + vector);
            }
        }
        assertEquals(KeepLayout.VC_STACK_TOP, decoder.tssQword(0x2C), "TSS.IST2");
        assertEquals(KeepLayout.IST1_STACK_TOP, decoder.tssQword(0x24), "TSS.IST1");
        assertEquals(KeepLayout.RING0_STACK_TOP, decoder.tssQword(0x04), "TSS.RSP0");
        assertEquals(0L, plainDecoder.tssQword(0x2C), "a plain keep has no IST2");
        Translation handler = decoder.walk(gate29Target());
        assertTrue(handler.executable() && !handler.user() && handler.encrypted());
        // The runtime may ring the doorbell (the #VC handler forwards it) and ask ring 0 for an
        // attestation report (the #VC handler serves it), and nothing else; a plain keep only
        // rings the doorbell.
        for (int port = 0; port < 0x10000; port++) {
            boolean doorbell = HostcallAbi.requestDoorbellPorts().contains(port);
            assertEquals(doorbell || port == AttestationCall.PORT, decoder.portAllowed(port), "port " + port);
            assertEquals(doorbell, plainDecoder.portAllowed(port), "plain keep, port " + port);
        }
    }

    private static long gate29Target() {
        return decoder.gate(29).target();
    }

    @Test
    void theCpuidTableReportsSevSevEsSnpAndTheCBit() {
        List<CpuidLeaf> snpLeaves = snp.entryState().cpuid();
        List<CpuidLeaf> plainLeaves = plain.entryState().cpuid();
        CpuidLeaf encryption = leaf(snpLeaves, 0x8000_001F);
        assertEquals(1 << 1 | 1 << 3 | 1 << 4, encryption.eax(), "SEV, SEV-ES, SNP");
        assertEquals(C_BIT, encryption.ebx() & 0x3F);
        assertEquals(0x8000_001F, leaf(snpLeaves, 0x8000_0000).eax());
        assertEquals(0x8000_0008, leaf(plainLeaves, 0x8000_0000).eax());
        assertTrue(plainLeaves.stream().noneMatch(l -> l.function() == 0x8000_001F));
        // Everything else is the plain table.
        List<CpuidLeaf> rest = snpLeaves.stream()
                .filter(l -> l.function() != 0x8000_001F && l.function() != 0x8000_0000).toList();
        assertEquals(plainLeaves.stream().filter(l -> l.function() != 0x8000_0000).toList(), rest);
        assertEquals(47, leaf(KeepCpuid.snpTable("AuthenticAMD", 1, 7, 47), 0x8000_001F).ebx());
    }

    private static CpuidLeaf leaf(List<CpuidLeaf> leaves, int function) {
        return leaves.stream().filter(l -> l.function() == function).findFirst().orElseThrow();
    }

    @Test
    void theVcpuStartsInTheRingZeroBootCodeWithInterruptsOff() {
        EntryState entry = snp.entryState();
        SnpKeep parts = snp.snp().orElseThrow();
        assertEquals(parts.code().boot(), entry.rip());
        assertEquals(KeepLayout.RING0_STACK_TOP, entry.rsp());
        assertEquals(0, entry.rflags() & EntryState.RFLAGS_IF);
        assertEquals(Gdt.KERNEL_CS, entry.cs().selector());
        assertEquals(0, entry.cs().dpl());
        assertTrue(entry.cs().l());
        assertEquals(Gdt.KERNEL_DS, entry.ss().selector());
        assertEquals(0, entry.ss().dpl(), "CPL 0");
        assertEquals(plain.entryState().rip(), parts.userEntry());
        assertEquals(C_BIT, parts.cBitPosition());
        // Control registers, descriptor tables and TR are the ones the payload runs with.
        assertEquals(plain.entryState().cr0(), entry.cr0());
        assertEquals(plain.entryState().cr4(), entry.cr4());
        assertEquals(plain.entryState().efer(), entry.efer());
        assertEquals(plain.entryState().gdtr(), entry.gdtr());
        assertEquals(plain.entryState().idtr(), entry.idtr());
        assertEquals(plain.entryState().tr(), entry.tr());
        assertEquals(plain.entryState().ds(), entry.ds());
        Translation boot = decoder.walk(entry.rip());
        assertTrue(boot.executable() && !boot.user() && boot.encrypted());
        assertTrue(plain.snp().isEmpty());
    }

    @Test
    void theSnpImageIsAPureFunctionOfItsInputs() {
        KeepImage again = TestImages.typical().snp(C_BIT).build();
        assertEquals(HexFormat.of().formatHex(snp.digest()), HexFormat.of().formatHex(again.digest()));
        assertEquals(snp.chunks().size(), again.chunks().size());
        for (int i = 0; i < snp.chunks().size(); i++) {
            assertEquals(snp.chunks().get(i).address(), again.chunks().get(i).address());
            assertArrayEquals(snp.chunks().get(i).bytes(), again.chunks().get(i).bytes());
        }
        assertNotEquals(HexFormat.of().formatHex(snp.digest()),
                HexFormat.of().formatHex(TestImages.typical().snp(47).build().digest()));
        assertNotEquals(HexFormat.of().formatHex(snp.digest()), HexFormat.of().formatHex(plain.digest()));
    }

    /**
     * SNP mode leaves the plain image alone: no C-bit, no SNP pages, the plain CR3. (The plain image's
     * own structure is what PageTableTest, DescriptorTablesTest and EntryStateTest check.)
     */
    @Test
    void thePlainImageHasNoSnpParts() {
        ImageDecoder plainDecoder = new ImageDecoder(plain);
        for (Leaf leaf : plainDecoder.leaves()) {
            assertTrue(leaf.physical() < plain.memorySize(), "no C-bit in a plain leaf");
        }
        assertEquals(KeepLayout.PAGE_TABLES_ADDRESS, plain.entryState().cr3());
        assertFalse(plainDecoder.walk(KeepLayout.SNP_GHCB_ADDRESS).present());
        assertEquals(PageRole.UNUSED, plain.pageMap().roleOf(KeepLayout.SNP_SECRETS_ADDRESS));
    }

    @Test
    void badCBitPositionsAreRefusedInOneLine() {
        for (int position : new int[] {-2, 0, 31, 52, 64}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TestImages.typical().snp(position).build());
            assertFalse(e.getMessage().contains("\n"));
            assertTrue(e.getMessage().contains("C-bit"), e.getMessage());
        }
        // 4 GiB of linear memory puts the top of the keep's memory above bit 32.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeepImage.builder().code(TestImages.exitProgram(0), 0)
                        .linearMemory(KeepLayout.LINEAR_MEMORY_MAX).snp(32).build());
        assertTrue(e.getMessage().contains("C-bit at position 32"), e.getMessage());
    }
}
