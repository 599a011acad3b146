package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class FaultRecordReaderTest {
    /** Fills a record the way the ring-0 stub does for a user page fault. */
    private static MemorySegment pageFaultRecord() {
        MemorySegment r = Arena.ofAuto().allocate(FAULT_RECORD_SIZE, 8);
        r.set(GuestMailbox.U64, FAULT_OFF_VECTOR, 14);
        r.set(GuestMailbox.U64, FAULT_OFF_ERROR_CODE, 6);
        r.set(GuestMailbox.U64, FAULT_OFF_RIP, 0x200010);
        r.set(GuestMailbox.U64, FAULT_OFF_CS, 0x33);
        r.set(GuestMailbox.U64, FAULT_OFF_RFLAGS, 0x10202);
        r.set(GuestMailbox.U64, FAULT_OFF_RSP, 0xBFFFFF8);
        r.set(GuestMailbox.U64, FAULT_OFF_SS, 0x2B);
        r.set(GuestMailbox.U64, FAULT_OFF_CR2, 0x10_0000_0000L + 0x1_0000_0000L);
        r.set(GuestMailbox.U64, FAULT_OFF_COUNT, 1);
        return r;
    }

    @Test
    void aConsistentRecordBecomesAReportNamingVectorAndRip() {
        var read = assertInstanceOf(FaultRecordReader.Read.class,
                FaultRecordReader.read(pageFaultRecord(), 4, 14));
        FaultReport report = read.report();
        assertEquals(14, report.vector());
        assertEquals(0x200010, report.rip());
        assertEquals("keep faulted: #PF page fault (vector 14) at rip 0x200010, error code 0x6,"
                + " address 0x1100000000", report.describe());
    }

    @Test
    void recordsThatDisagreeWithTheDoorbellAreNotBelieved() {
        assertInstanceOf(FaultRecordReader.Inconsistent.class,
                FaultRecordReader.read(pageFaultRecord(), 4, 13));
        assertInstanceOf(FaultRecordReader.Inconsistent.class,
                FaultRecordReader.read(pageFaultRecord(), 1, 14));
        MemorySegment never = pageFaultRecord();
        never.set(GuestMailbox.U64, FAULT_OFF_COUNT, 0);
        assertInstanceOf(FaultRecordReader.Inconsistent.class,
                FaultRecordReader.read(never, 4, 14));
        MemorySegment wild = pageFaultRecord();
        wild.set(GuestMailbox.U64, FAULT_OFF_VECTOR, 300);
        var i = assertInstanceOf(FaultRecordReader.Inconsistent.class,
                FaultRecordReader.read(wild, 4, 300));
        assertTrue(i.message().contains("0x12c"), i.message());
        assertInstanceOf(FaultRecordReader.Inconsistent.class,
                FaultRecordReader.read(Arena.ofAuto().allocate(8), 4, 14));
    }

    @Test
    void ringZeroAndNestedFaultsAreCalledOut() {
        FaultReport r = new FaultReport(13, 0, 0x16004, 0x10, 2, 0x1bff0, 0x18, 0, 2);
        assertEquals("keep faulted: #GP general protection (vector 13) at rip 0x16004,"
                + " error code 0x0, in ring 0 (2 nested faults)", r.describe());
        assertEquals("vector 99", FaultReport.vectorName(99));
    }
}
