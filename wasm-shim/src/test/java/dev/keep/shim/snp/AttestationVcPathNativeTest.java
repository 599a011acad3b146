package dev.keep.shim.snp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The #VC handler's attestation path run natively, end to end from the payload's report data to a
 * report the PSP double made: the handler emitted by {@link VcHandlerEmitter} with the real build
 * and open routines, entered through the frame the CPU pushes for an {@code out} to
 * {@link AttestationCall#PORT} ({@code out 0xE4, al}) from ring 3 (error code 0x7B; user mode's CS
 * has RPL 3), with
 * EDI/ESI holding linear-memory offsets as the ring-3 routine passes them.
 *
 * <p>The rig and its two test doubles (the GHCB exchange answered by {@link PspTestDouble}, the
 * vector-29 stub answering {@link NativeAttestationPath#UNHANDLED}) are {@link NativeAttestationPath}.
 */
class AttestationVcPathNativeTest {
    private static final int MEMORY_BYTES = 65536;
    private static final byte STALE = (byte) 0xC3;

    private final Random rnd = new Random(0xA77E5L);
    private NativeAttestationPath path;

    @BeforeEach
    void assemble() throws Exception {
        path = new NativeAttestationPath(MEMORY_BYTES, vmpck0 -> new PspTestDouble(vmpck0, rnd), rnd);
        path.fill(STALE);
    }

    @AfterEach
    void release() {
        path.close();
    }

    /** Runs the handler; returns RAX as the payload sees it, after checking everything else. */
    private long attest(long reportDataOffset, long outOffset) throws Throwable {
        NativeAttestationPath.Outcome o = path.raise(reportDataOffset, outOffset);
        assertEquals(0, o.rspMoved(), "the stack is where the out left it");
        assertEquals(reportDataOffset, o.rdi(), "rdi restored");
        assertEquals(outOffset, o.rsi(), "rsi restored");
        return o.rax();
    }

    private byte[] reportData(int offset) {
        byte[] data = new byte[AttestationCall.REPORT_DATA_SIZE];
        rnd.nextBytes(data);
        path.write(offset, data);
        return data;
    }

    private byte[] memory(long offset, int length) {
        return path.read(offset, length);
    }

    private static byte[] stale(int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, STALE);
        return b;
    }

    @Test
    void thePayloadsReportDataComesBackInAReportFromThePspDouble() throws Throwable {
        for (int round = 1; round <= 2; round++) {
            byte[] data = reportData(1000);
            long result = attest(1000, 8192);
            assertNull(path.refusal(), "the PSP double accepted the request");
            assertEquals(AttestationCall.REPORT_SIZE, result, "round " + round);
            byte[] report = memory(8192, AttestationCall.REPORT_SIZE);
            assertArrayEquals(data, Arrays.copyOfRange(report, SnpLayout.REPORT_REPORT_DATA,
                    SnpLayout.REPORT_REPORT_DATA + data.length), "REPORT_DATA, round " + round);
            assertArrayEquals(path.psp().measurement(), Arrays.copyOfRange(report, 0x90, 0x90 + 48));
            assertArrayEquals(stale(64), memory(8192 + AttestationCall.REPORT_SIZE, 64),
                    "nothing past the report");
            // Request and response numbers: 1/2, then 3/4.
            assertEquals(2L * round, path.psp().lastSeqno());
        }
        assertEquals(2, path.exchanges());
    }

    @Test
    void buffersOutsideLinearMemoryAreRefusedBeforeAnyRequest() throws Throwable {
        long[][] cases = {
            {MEMORY_BYTES - 63, 0},
            {0, MEMORY_BYTES - AttestationCall.REPORT_SIZE + 1},
            {0xFFFF_FFFFL, 0},
            {0, 0xFFFF_FFFFL},
        };
        for (long[] c : cases) {
            assertEquals(AttestationCall.BAD_POINTER, attest(c[0], c[1]),
                    "report data at " + c[0] + ", output at " + c[1]);
        }
        assertEquals(0, path.exchanges());
        assertArrayEquals(stale(MEMORY_BYTES), memory(0, MEMORY_BYTES));
    }

    @Test
    void theBuffersMayEndExactlyAtTheEndOfLinearMemory() throws Throwable {
        reportData(MEMORY_BYTES - 64);
        assertEquals(AttestationCall.REPORT_SIZE,
                attest(MEMORY_BYTES - 64, MEMORY_BYTES - AttestationCall.REPORT_SIZE));
    }

    @Test
    void aPspErrorStatusIsAFirmwareErrorAndWritesNothing() throws Throwable {
        reportData(0);
        path.nextFields().status = 0x16;
        assertEquals(AttestationCall.FIRMWARE_ERROR, attest(0, 4096));
        assertArrayEquals(stale(AttestationCall.REPORT_SIZE), memory(4096, AttestationCall.REPORT_SIZE));
    }

    @Test
    void aRequestThePspRefusesIsAFirmwareError() throws Throwable {
        reportData(0);
        // A PSP double holding another key: the keep's request does not authenticate there.
        path.replacePsp(new PspTestDouble(new byte[SnpLayout.GCM_KEY_SIZE], rnd));
        assertEquals(AttestationCall.FIRMWARE_ERROR, attest(0, 8192));
        assertEquals("request does not authenticate with VMPCK0", path.refusal());
        assertArrayEquals(stale(AttestationCall.REPORT_SIZE), memory(8192, AttestationCall.REPORT_SIZE));
    }

    @Test
    void aResponseTheKeepCannotTrustIsRefused() throws Throwable {
        reportData(0);
        path.nextFields().seqnoDelta = 3;
        assertEquals(AttestationCall.REFUSED, attest(0, 4096));
        assertArrayEquals(stale(AttestationCall.REPORT_SIZE), memory(4096, AttestationCall.REPORT_SIZE));
    }
}
