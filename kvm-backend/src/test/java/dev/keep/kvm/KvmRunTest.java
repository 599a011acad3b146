package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Exit decoding from a kvm_run page. No KVM_RUN can happen on this machine, so the test plays the
 * kernel: it writes the fields KVM would write, at the offsets the ABI test checked against
 * {@code <linux/kvm.h>}, into a page-sized buffer like the real mapping.
 */
class KvmRunTest {

    private static final PathElement EXIT = groupElement(KvmStructs.KVM_RUN_EXIT_UNION);
    private Arena arena;
    private MemorySegment page;
    private KvmRun run;

    @BeforeEach
    void page() {
        arena = Arena.ofConfined();
        page = arena.allocate(GuestMemory.PAGE_SIZE, GuestMemory.PAGE_SIZE);
        run = KvmRun.view(page);
    }

    @AfterEach
    void free() {
        arena.close();
    }

    private static long offset(PathElement... path) {
        return KvmStructs.KVM_RUN.byteOffset(path);
    }

    private static long exit(String member, String field) {
        return offset(EXIT, groupElement(member), groupElement(field));
    }

    private void reason(int exitReason) {
        page.set(ValueLayout.JAVA_INT, offset(groupElement("exit_reason")), exitReason);
    }

    /** What KVM writes for a port exit; the data area sits after kvm_run, as in the kernel. */
    private void io(int direction, int size, int port, int count, long dataOffset) {
        reason(KvmConstants.KVM_EXIT_IO);
        page.set(ValueLayout.JAVA_BYTE, exit("io", "direction"), (byte) direction);
        page.set(ValueLayout.JAVA_BYTE, exit("io", "size"), (byte) size);
        page.set(ValueLayout.JAVA_SHORT, exit("io", "port"), (short) port);
        page.set(ValueLayout.JAVA_INT, exit("io", "count"), count);
        page.set(ValueLayout.JAVA_LONG, exit("io", "data_offset"), dataOffset);
    }

    @Test
    void outDecodesPortSizeAndData() {
        io(KvmConstants.KVM_EXIT_IO_OUT, 4, 0xf4, 1, 0x1000 - 64);
        page.set(ValueLayout.JAVA_INT, 0x1000 - 64, 0xcafe0042);

        VcpuExit.IoOut out = assertInstanceOf(VcpuExit.IoOut.class, run.decodeExit());

        assertEquals(0xf4, out.port());
        assertEquals(4, out.size());
        assertEquals(1, out.count());
        assertEquals(0xcafe0042L, out.value());
        assertArrayEquals(new byte[] {0x42, 0x00, (byte) 0xfe, (byte) 0xca}, out.data());
    }

    @Test
    void repOutsCarriesEveryByte() {
        io(KvmConstants.KVM_EXIT_IO_OUT, 1, 0xffff, 3, 0xc00);
        page.asSlice(0xc00, 3).copyFrom(MemorySegment.ofArray(new byte[] {'k', 'e', 'p'}));

        VcpuExit.IoOut out = assertInstanceOf(VcpuExit.IoOut.class, run.decodeExit());

        assertEquals(0xffff, out.port(), "ports are unsigned 16-bit");
        assertEquals(3, out.count());
        assertArrayEquals("kep".getBytes(), out.data());
    }

    @Test
    void inHandsOutTheBytesTheGuestWillRead() {
        io(KvmConstants.KVM_EXIT_IO_IN, 2, 0x60, 1, 0xd00);

        VcpuExit.IoIn in = assertInstanceOf(VcpuExit.IoIn.class, run.decodeExit());
        in.data().set(ValueLayout.JAVA_SHORT, 0, (short) 0x1234);

        assertEquals(0x60, in.port());
        assertEquals(2, in.size());
        assertEquals(1, in.count());
        assertEquals((short) 0x1234, page.get(ValueLayout.JAVA_SHORT, 0xd00));
    }

    @Test
    void ioDataOutsideThePageIsRejected() {
        io(KvmConstants.KVM_EXIT_IO_OUT, 4, 0x10, 2, GuestMemory.PAGE_SIZE - 4);
        IllegalStateException e = assertThrows(IllegalStateException.class, run::decodeExit);
        assertEquals("kvm_run io exit is malformed: size 4, count 2, data_offset 4092",
                e.getMessage());
    }

    @Test
    void mmioReadAndWrite() {
        reason(KvmConstants.KVM_EXIT_MMIO);
        page.set(ValueLayout.JAVA_LONG, exit("mmio", "phys_addr"), 0xC000_0000L);
        page.set(ValueLayout.JAVA_INT, exit("mmio", "len"), 8);
        page.set(ValueLayout.JAVA_BYTE, exit("mmio", "is_write"), (byte) 1);
        page.set(ValueLayout.JAVA_LONG, exit("mmio", "data"), 0x0807060504030201L);

        VcpuExit.MmioWrite write = assertInstanceOf(VcpuExit.MmioWrite.class, run.decodeExit());
        assertEquals(0xC000_0000L, write.address());
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, write.data());

        page.set(ValueLayout.JAVA_BYTE, exit("mmio", "is_write"), (byte) 0);
        page.set(ValueLayout.JAVA_INT, exit("mmio", "len"), 2);
        VcpuExit.MmioRead read = assertInstanceOf(VcpuExit.MmioRead.class, run.decodeExit());
        assertEquals(2, read.data().byteSize());
        read.data().set(ValueLayout.JAVA_SHORT, 0, (short) 0x7788);
        assertEquals((short) 0x7788, page.get(ValueLayout.JAVA_SHORT, exit("mmio", "data")));
    }

    @Test
    void failEntryInternalErrorExceptionAndSystemEvent() {
        reason(KvmConstants.KVM_EXIT_FAIL_ENTRY);
        page.set(ValueLayout.JAVA_LONG, exit("fail_entry", "hardware_entry_failure_reason"), 0x21);
        page.set(ValueLayout.JAVA_INT, exit("fail_entry", "cpu"), 1);
        assertEquals(new VcpuExit.FailEntry(0x21, 1), run.decodeExit());

        reason(KvmConstants.KVM_EXIT_INTERNAL_ERROR);
        page.set(ValueLayout.JAVA_INT, exit("internal", "suberror"),
                KvmConstants.KVM_INTERNAL_ERROR_EMULATION);
        page.set(ValueLayout.JAVA_INT, exit("internal", "ndata"), 2);
        page.set(ValueLayout.JAVA_LONG, exit("internal", "data"), 0xaaL);
        page.set(ValueLayout.JAVA_LONG, exit("internal", "data") + 8, 0xbbL);
        assertEquals(new VcpuExit.InternalError(1, List.of(0xaaL, 0xbbL)), run.decodeExit());

        // A guest-corrupted ndata is clamped to the 16 slots the struct has.
        page.set(ValueLayout.JAVA_INT, exit("internal", "ndata"), 1000);
        assertEquals(16, ((VcpuExit.InternalError) run.decodeExit()).data().size());

        reason(KvmConstants.KVM_EXIT_EXCEPTION);
        page.set(ValueLayout.JAVA_INT, exit("ex", "exception"), 14);
        page.set(ValueLayout.JAVA_INT, exit("ex", "error_code"), 6);
        assertEquals(new VcpuExit.ExceptionExit(14, 6), run.decodeExit());

        reason(KvmConstants.KVM_EXIT_SYSTEM_EVENT);
        page.set(ValueLayout.JAVA_INT, exit("system_event", "type"),
                KvmConstants.KVM_SYSTEM_EVENT_CRASH);
        page.set(ValueLayout.JAVA_INT, exit("system_event", "ndata"), 1);
        page.set(ValueLayout.JAVA_LONG, offset(EXIT, groupElement("system_event"),
                groupElement(KvmStructs.SYSTEM_EVENT_DATA_UNION), groupElement("data")), 7L);
        assertEquals(new VcpuExit.SystemEvent(KvmConstants.KVM_SYSTEM_EVENT_CRASH, List.of(7L)),
                run.decodeExit());
    }

    @Test
    void simpleAndUnknownReasons() {
        reason(KvmConstants.KVM_EXIT_HLT);
        assertEquals(new VcpuExit.Hlt(), run.decodeExit());
        reason(KvmConstants.KVM_EXIT_SHUTDOWN);
        assertEquals(new VcpuExit.Shutdown(), run.decodeExit());
        reason(KvmConstants.KVM_EXIT_INTR);
        assertEquals(new VcpuExit.Intr(), run.decodeExit());
        reason(KvmConstants.KVM_EXIT_UNKNOWN);
        page.set(ValueLayout.JAVA_LONG, exit("hw", "hardware_exit_reason"), 0x7bL);
        assertEquals(new VcpuExit.Unknown(0x7b), run.decodeExit());
        reason(KvmConstants.KVM_EXIT_MEMORY_FAULT);
        assertEquals(new VcpuExit.Other(KvmConstants.KVM_EXIT_MEMORY_FAULT), run.decodeExit());
    }

    @Test
    void immediateExitIsTheSecondByte() {
        run.setImmediateExit(true);
        assertEquals(1, page.get(ValueLayout.JAVA_BYTE, 1));
        assertEquals(true, run.immediateExit());
        run.setImmediateExit(false);
        assertEquals(0, page.get(ValueLayout.JAVA_BYTE, 1));
    }

    @Test
    void ownedMappingIsUnmappedOnClose() throws NativeCallException {
        long size = GuestMemory.PAGE_SIZE * 3;
        long address = Libc.mmap(0, size, LibcConstants.PROT_READ | LibcConstants.PROT_WRITE,
                LibcConstants.MAP_SHARED | LibcConstants.MAP_ANONYMOUS, -1, 0);
        KvmRun owned = KvmRun.own(address, size);
        owned.setImmediateExit(true);
        owned.close();
        owned.close();
        assertEquals("", LibcTest.mappingLine(address));
        assertThrows(IllegalStateException.class, () -> owned.setImmediateExit(false));
    }

    /** KVM_HC_MAP_GPA_RANGE as KVM forwards an SEV-SNP page-state change: gpa, npages, attributes. */
    @Test
    void hypercallDecodesNumberAndArgumentsAndTakesTheAnswer() {
        reason(KvmConstants.KVM_EXIT_HYPERCALL);
        page.set(ValueLayout.JAVA_LONG, exit("hypercall", "nr"), KvmConstants.KVM_HC_MAP_GPA_RANGE);
        long args = exit("hypercall", "args");
        long[] values = {0x30000, 16, KvmConstants.KVM_MAP_GPA_RANGE_DECRYPTED, 0, 0, 0x77};
        for (int i = 0; i < values.length; i++) {
            page.set(ValueLayout.JAVA_LONG, args + 8L * i, values[i]);
        }
        VcpuExit.Hypercall call = assertInstanceOf(VcpuExit.Hypercall.class, run.decodeExit());
        assertEquals(KvmConstants.KVM_HC_MAP_GPA_RANGE, call.nr());
        assertEquals(List.of(0x30000L, 16L, 0L, 0L, 0L, 0x77L), call.args());

        call.answer(-22);
        assertEquals(-22L, page.get(ValueLayout.JAVA_LONG, exit("hypercall", "ret")));
    }
}
