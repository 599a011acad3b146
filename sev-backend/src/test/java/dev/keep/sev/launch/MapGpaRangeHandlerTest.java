package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.kvm.KvmConstants;
import dev.keep.kvm.VcpuExit;
import dev.keep.shim.image.KeepLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The page-state-change handler: only the shared ranges of the keep's SNP image (mailbox, GHCB,
 * guest-request exchange pages) may go shared. KVM_SET_MEMORY_ATTRIBUTES cannot
 * run here (no /dev/kvm), so the calls land in {@link RecordingLaunchDevice}, a TEST DOUBLE.
 */
class MapGpaRangeHandlerTest {

    private static final long MAILBOX = KeepLayout.MAILBOX_ADDRESS;
    private static final long MAILBOX_PAGES = KeepLayout.MAILBOX_SIZE / 4096;

    private final RecordingLaunchDevice memory = new RecordingLaunchDevice();
    private final List<String> reports = new ArrayList<>();
    private final MapGpaRangeHandler handler = new MapGpaRangeHandler(SharedRange.of(LaunchTestImages.snp()), memory,
            reports::add);

    @Test
    void sharesTheMailbox() throws Exception {
        MapGpaRangeHandler.Decision d = handler.handle(MAILBOX, MAILBOX_PAGES, KvmConstants.KVM_MAP_GPA_RANGE_DECRYPTED);
        assertTrue(d.accepted(), d.message());
        assertEquals(List.of("KVM_SET_MEMORY_ATTRIBUTES[" + MAILBOX + ", " + KeepLayout.MAILBOX_SIZE + ", 0]"),
                memory.calls.stream().map(Object::toString).toList());
        assertTrue(reports.isEmpty());
        // One page of it, announced with the 4K page-size hint, is fine too.
        assertTrue(handler.handle(MAILBOX, 1, KvmConstants.KVM_MAP_GPA_RANGE_PAGE_SZ_4K).accepted());
    }

    @Test
    void sharesTheGhcbAndTheGuestRequestPagesOfAnSnpKeep() throws Exception {
        MapGpaRangeHandler.Decision ghcb = handler.handle(KeepLayout.SNP_GHCB_ADDRESS, 1, 0);
        assertTrue(ghcb.accepted(), ghcb.message());
        assertEquals("shared 0x32000+0x1000 (GHCB) with the host", ghcb.message());
        assertTrue(handler.handle(KeepLayout.GUEST_REQUEST_PAGE_ADDRESS, 2, 0).accepted());
        assertTrue(handler.handle(KeepLayout.GUEST_RESPONSE_PAGE_ADDRESS, 1, 0).accepted());
        assertEquals(List.of("KVM_SET_MEMORY_ATTRIBUTES[" + 0x32000 + ", 4096, 0]",
                "KVM_SET_MEMORY_ATTRIBUTES[" + 0x3E000 + ", 8192, 0]",
                "KVM_SET_MEMORY_ATTRIBUTES[" + 0x3F000 + ", 4096, 0]"),
                memory.calls.stream().map(Object::toString).toList());
        assertTrue(reports.isEmpty(), reports.toString());
    }

    @Test
    void refusesThePrivateSnpPagesAroundTheSharedOnes() throws Exception {
        List<MapGpaRangeHandler.Decision> refused = List.of(
                handler.handle(KeepLayout.SNP_SECRETS_ADDRESS, 1, 0),                    // secrets page
                handler.handle(KeepLayout.SNP_CPUID_ADDRESS, 1, 0),                      // CPUID page
                handler.handle(KeepLayout.SNP_GHCB_ADDRESS, 2, 0),                       // GHCB and the guard after it
                handler.handle(KeepLayout.GUEST_REQUEST_BUFFER_ADDRESS, 2, 0),           // private buffer + request page
                handler.handle(KeepLayout.SNP_CODE_ADDRESS, 1, 0),                       // ring-0 SNP code
                handler.handle(MAILBOX, MAILBOX_PAGES + 3, 0),                           // mailbox through the GHCB
                handler.handle(KeepLayout.SNP_GHCB_ADDRESS, 1, KvmConstants.KVM_MAP_GPA_RANGE_ENCRYPTED));
        for (MapGpaRangeHandler.Decision d : refused) {
            assertFalse(d.accepted(), d.message());
            assertEquals(MapGpaRangeHandler.REFUSED, d.ret(), d.message());
        }
        assertTrue(memory.calls.isEmpty(), "nothing refused reaches KVM: " + memory.calls);
        assertEquals(refused.size(), reports.size());
    }

    @Test
    void refusesEverythingElseAndReportsIt() throws Exception {
        List<MapGpaRangeHandler.Decision> refused = List.of(
                handler.handle(0x200000, 1, 0),                                          // code page
                handler.handle(MAILBOX - 4096, MAILBOX_PAGES, 0),                        // straddles the start
                handler.handle(MAILBOX, MAILBOX_PAGES + 1, 0),                           // runs past the end
                handler.handle(MAILBOX, MAILBOX_PAGES, KvmConstants.KVM_MAP_GPA_RANGE_ENCRYPTED), // back to private
                handler.handle(MAILBOX + 1, 1, 0),                                       // misaligned
                handler.handle(MAILBOX, 0, 0),                                           // empty
                handler.handle(MAILBOX, 1, 1 << 7),                                      // unknown attribute bit
                handler.handle(Long.MAX_VALUE - 4095, Long.MAX_VALUE / 4096, 0));        // wraps around
        for (MapGpaRangeHandler.Decision d : refused) {
            assertFalse(d.accepted(), d.message());
            assertTrue(d.ret() < 0);
            assertFalse(d.message().contains("\n"));
        }
        assertTrue(memory.calls.isEmpty(), "nothing refused reaches KVM: " + memory.calls);
        assertEquals(refused.size(), reports.size());
        assertEquals("refused the keep's request to share 0x200000+0x1000 with the host: only 0x20000+0x10000"
                + " (MAILBOX), 0x32000+0x1000 (GHCB), 0x3e000+0x2000 (GUEST_REQUEST_SHARED) may be shared",
                reports.get(0));
        assertEquals(MapGpaRangeHandler.INVALID, refused.get(4).ret());
    }

    @Test
    void answersTheHypercallExitThroughKvmRun() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ret = arena.allocate(8);
            ret.set(ValueLayout.JAVA_LONG, 0, 99);
            VcpuExit.Hypercall share = new VcpuExit.Hypercall(KvmConstants.KVM_HC_MAP_GPA_RANGE,
                    List.of(MAILBOX, MAILBOX_PAGES, 0L, 0L, 0L, 0L), ret);
            assertTrue(handler.handle(share).accepted());
            assertEquals(0, ret.get(ValueLayout.JAVA_LONG, 0));

            VcpuExit.Hypercall steal = new VcpuExit.Hypercall(KvmConstants.KVM_HC_MAP_GPA_RANGE,
                    List.of(0x400000L, 16L, 0L, 0L, 0L, 0L), ret);
            assertFalse(handler.handle(steal).accepted());
            assertEquals(MapGpaRangeHandler.REFUSED, ret.get(ValueLayout.JAVA_LONG, 0));

            VcpuExit.Hypercall other = new VcpuExit.Hypercall(KvmConstants.KVM_HC_MAP_GPA_RANGE - 1,
                    List.of(0L, 0L, 0L, 0L, 0L, 0L), ret);
            assertEquals(MapGpaRangeHandler.NOT_SUPPORTED, handler.handle(other).ret());
            assertEquals(MapGpaRangeHandler.NOT_SUPPORTED, ret.get(ValueLayout.JAVA_LONG, 0));
        }
        assertEquals(1, memory.calls.size());
    }
}
