package dev.keep.loader.hostcall;

import static dev.keep.shim.abi.HostcallAbi.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the fault record after the fault doorbell rang. The record lives on a supervisor-only page
 * that only the ring-0 stubs write, and the bitmap denies ring 3 the fault port; still, the host
 * checks the record is consistent with the doorbell before it believes it.
 */
public final class FaultRecordReader {
    private FaultRecordReader() {
    }

    /** A decoded report, or why the record cannot be believed. */
    public sealed interface Result permits Read, Inconsistent {
    }

    public record Read(FaultReport report) implements Result {
    }

    public record Inconsistent(String message) implements Result {
    }

    /**
     * @param record the {@code FAULT_RECORD_SIZE} bytes at {@code FAULT_RECORD_ADDRESS}
     * @param doorbellSize access width of the doorbell write
     * @param doorbellValue the value the stub wrote (the vector)
     */
    public static Result read(MemorySegment record, int doorbellSize, long doorbellValue) {
        if (record.byteSize() < FAULT_RECORD_SIZE) {
            return new Inconsistent("fault record is " + record.byteSize() + " bytes, expected "
                    + FAULT_RECORD_SIZE);
        }
        ByteBuffer b = ByteBuffer.wrap(record.asSlice(0, FAULT_RECORD_SIZE)
                .toArray(ValueLayout.JAVA_BYTE)).order(ByteOrder.LITTLE_ENDIAN);
        long vector = b.getLong(FAULT_OFF_VECTOR);
        long count = b.getLong(FAULT_OFF_COUNT);
        if (doorbellSize != DOORBELL_SIZE) {
            return new Inconsistent("fault doorbell written with " + doorbellSize + " bytes");
        }
        if (vector < 0 || vector > 31 || vector != doorbellValue || count < 1) {
            return new Inconsistent(String.format(
                    "fault record is inconsistent (vector %#x, doorbell %#x, count %d)", vector,
                    doorbellValue, count));
        }
        return new Read(new FaultReport((int) vector, b.getLong(FAULT_OFF_ERROR_CODE),
                b.getLong(FAULT_OFF_RIP), b.getLong(FAULT_OFF_CS), b.getLong(FAULT_OFF_RFLAGS),
                b.getLong(FAULT_OFF_RSP), b.getLong(FAULT_OFF_SS), b.getLong(FAULT_OFF_CR2),
                count));
    }
}
