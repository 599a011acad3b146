package dev.keep.shim.snp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The emitted guest-request code, run natively, talking to a TEST DOUBLE of the PSP
 * ({@link PspTestDouble}) that shares its VMPCK0.
 */
class GuestRequestTest {
    private final Random rnd = new Random(0x6E57L);

    @BeforeAll
    static void cpu() throws Exception {
        CpuFeatures.requireAesNiAndClmul();
    }

    /** A secrets page with random contents (VMPCK0 among them) and the PSP double holding that key. */
    private record Setup(KeepGuestRequest keep, PspTestDouble psp, byte[] vmpck0) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            keep.close();
        }
    }

    private Setup setup() throws Throwable {
        byte[] secrets = new byte[SnpLayout.PAGE_SIZE];
        rnd.nextBytes(secrets);
        byte[] vmpck0 = Arrays.copyOfRange(secrets, SnpLayout.SECRETS_VMPCK0, SnpLayout.SECRETS_VMPCK0 + 32);
        return new Setup(new KeepGuestRequest(secrets), new PspTestDouble(vmpck0, rnd), vmpck0);
    }

    private byte[] reportData() {
        byte[] d = new byte[SnpLayout.REQ_USER_DATA_SIZE];
        rnd.nextBytes(d);
        return d;
    }

    @Test
    void threeExchangesKeepTheSequenceInStep() throws Throwable {
        try (Setup s = setup()) {
            for (int round = 0; round < 3; round++) {
                byte[] data = reportData();
                assertEquals(0, s.keep().buildReportRequest(data));
                byte[] request = s.keep().requestPage();
                ByteBuffer hdr = ByteBuffer.wrap(request).order(ByteOrder.LITTLE_ENDIAN);
                assertEquals(2L * round + 1, hdr.getLong(SnpLayout.HDR_MSG_SEQNO), "request seqno, round " + round);
                assertEquals(2L * round + 2, s.keep().lastSeqno());
                assertEquals(2L * round + 2, s.keep().awaitedSeqno());
                // Only ciphertext reaches the shared page, and nothing beyond the 192-byte message.
                assertFalse(Arrays.equals(data, Arrays.copyOfRange(request, SnpLayout.HDR_SIZE, SnpLayout.HDR_SIZE + 64)));
                assertArrayEquals(new byte[SnpLayout.PAGE_SIZE - 192], Arrays.copyOfRange(request, 192, SnpLayout.PAGE_SIZE));

                s.keep().deliverResponse(s.psp().answer(request));
                KeepGuestRequest.Opened opened = s.keep().openReportResponse();
                assertEquals(0, opened.status(), GuestRequestStatus.describe(opened.status()));
                assertArrayEquals(data, Arrays.copyOfRange(opened.report(), SnpLayout.REPORT_REPORT_DATA,
                    SnpLayout.REPORT_REPORT_DATA + 64), "REPORT_DATA, round " + round);
                assertArrayEquals(s.psp().measurement(), Arrays.copyOfRange(opened.report(), 0x90, 0xC0));
                assertEquals(s.psp().lastSeqno(), s.keep().lastSeqno(), "keep and PSP counters, round " + round);
                assertEquals(0, s.keep().awaitedSeqno());
            }
        }
    }

    @Test
    void aResponseIsAcceptedOnlyOnce() throws Throwable {
        try (Setup s = setup()) {
            s.keep().buildReportRequest(reportData());
            byte[] response = s.psp().answer(s.keep().requestPage());
            s.keep().deliverResponse(response);
            assertEquals(0, s.keep().openReportResponse().status());
            assertRefused(s, GuestRequestStatus.NO_REQUEST_PENDING);
        }
    }

    @Test
    void anUnsolicitedResponseIsRefused() throws Throwable {
        try (Setup s = setup()) {
            s.keep().deliverResponse(new byte[SnpLayout.PAGE_SIZE]);
            assertRefused(s, GuestRequestStatus.NO_REQUEST_PENDING);
        }
    }

    @Test
    void aReplayedOldResponseIsRefusedAndTheNextExchangeStillWorks() throws Throwable {
        try (Setup s = setup()) {
            s.keep().buildReportRequest(reportData());
            byte[] first = s.psp().answer(s.keep().requestPage());
            s.keep().deliverResponse(first);
            assertEquals(0, s.keep().openReportResponse().status());

            s.keep().buildReportRequest(reportData());
            s.psp().answer(s.keep().requestPage());
            s.keep().deliverResponse(first);
            assertRefused(s, GuestRequestStatus.BAD_SEQNO);
            // The PSP did process the second request, so both sides are at 4 and stay in step.
            exchangeSucceeds(s);
        }
    }

    @Test
    void reorderedResponsesAreRefused() throws Throwable {
        try (Setup s = setup()) {
            s.keep().buildReportRequest(reportData());
            byte[] answerA = s.psp().answer(s.keep().requestPage());
            s.keep().buildReportRequest(reportData());
            byte[] answerB = s.psp().answer(s.keep().requestPage());
            // Only B's response is awaited now; A's arrives late.
            s.keep().deliverResponse(answerA);
            assertRefused(s, GuestRequestStatus.BAD_SEQNO);
            // The refusal consumed the exchange: B's response is no longer accepted either.
            s.keep().deliverResponse(answerB);
            assertRefused(s, GuestRequestStatus.NO_REQUEST_PENDING);
            exchangeSucceeds(s);
        }
    }

    @Test
    void wrongSequenceNumbersAreRefusedEvenWhenCorrectlyEncrypted() throws Throwable {
        for (long delta : new long[] {0, 2, 3, -1, 1L << 32}) {
            try (Setup s = setup()) {
                respondWith(s, f -> f.seqnoDelta = delta);
                assertRefused(s, GuestRequestStatus.BAD_SEQNO);
            }
        }
    }

    @Test
    void eachHeaderMismatchHasItsOwnStatus() throws Throwable {
        checkField(f -> f.algo = 2, GuestRequestStatus.BAD_ALGO);
        checkField(f -> f.hdrVersion = 2, GuestRequestStatus.BAD_HDR_VERSION);
        checkField(f -> f.hdrSize = 0x50, GuestRequestStatus.BAD_HDR_SIZE);
        checkField(f -> f.msgType = SnpLayout.MSG_TYPE_REPORT_REQ, GuestRequestStatus.BAD_MSG_TYPE);
        checkField(f -> f.msgType = 4, GuestRequestStatus.BAD_MSG_TYPE);
        checkField(f -> f.msgVersion = 2, GuestRequestStatus.BAD_MSG_VERSION);
        checkField(f -> f.vmpck = 1, GuestRequestStatus.BAD_VMPCK);
        checkField(f -> f.msgSize = SnpLayout.REPORT_RSP_SIZE - 1, GuestRequestStatus.BAD_MSG_SIZE);
        checkField(f -> f.msgSize = SnpLayout.MAX_PAYLOAD + 1, GuestRequestStatus.BAD_MSG_SIZE);
        checkField(f -> f.status = 0x16, GuestRequestStatus.FIRMWARE_ERROR);
        checkField(f -> f.reportSize = SnpLayout.REPORT_SIZE - 16, GuestRequestStatus.BAD_REPORT_SIZE);
        Set<Integer> codes = new HashSet<>();
        for (GuestRequestStatus st : GuestRequestStatus.values()) {
            codes.add(st.code());
            assertEquals(st, GuestRequestStatus.of(st.code()));
        }
        assertEquals(GuestRequestStatus.values().length, codes.size(), "status codes are not distinct");
    }

    /** A larger response than a report needs is fine as long as it fits the page. */
    @Test
    void aLongerAuthenticatedResponseIsAccepted() throws Throwable {
        try (Setup s = setup()) {
            respondWith(s, f -> f.msgSize = SnpLayout.MAX_PAYLOAD);
            assertEquals(0, s.keep().openReportResponse().status());
        }
    }

    @Test
    void tamperedResponsesFailAuthentication() throws Throwable {
        checkTamper(page -> page[SnpLayout.HDR_SIZE + 0x90] ^= 1, GuestRequestStatus.AUTH_FAILED);
        checkTamper(page -> page[SnpLayout.HDR_SIZE + SnpLayout.REPORT_RSP_SIZE - 1] ^= (byte) 0x80,
            GuestRequestStatus.AUTH_FAILED);
        checkTamper(page -> page[SnpLayout.HDR_AUTHTAG + 7] ^= 4, GuestRequestStatus.AUTH_FAILED);
        checkTamper(page -> page[SnpLayout.HDR_RSVD2] ^= 1, GuestRequestStatus.AUTH_FAILED);
        checkTamper(page -> page[SnpLayout.HDR_AAD_START + 20] ^= 1, GuestRequestStatus.AUTH_FAILED);
        // rsvd1 is not authenticated; the keep ignores it (the IV tail is always zero).
        checkTamper(page -> Arrays.fill(page, SnpLayout.HDR_RSVD1, SnpLayout.HDR_RSVD1 + 8, (byte) 0xFF),
            GuestRequestStatus.OK);
        // Bytes after the message are not part of it.
        checkTamper(page -> page[SnpLayout.PAGE_SIZE - 1] ^= 1, GuestRequestStatus.OK);
    }

    @Test
    void aResponseUnderAnotherKeyFailsAuthentication() throws Throwable {
        try (Setup s = setup()) {
            s.keep().buildReportRequest(reportData());
            byte[] request = s.keep().requestPage();
            PspTestDouble impostor = new PspTestDouble(new byte[32], rnd);
            assertThrows(PspTestDouble.Refused.class, () -> impostor.answer(request));
            // Re-encrypt the request under the impostor's key so it answers, then hand that back.
            byte[] plain = ReferenceGcm.open(s.vmpck0(), PspTestDouble.iv(1), PspTestDouble.aad(request),
                Arrays.copyOfRange(request, SnpLayout.HDR_SIZE, SnpLayout.HDR_SIZE + SnpLayout.REPORT_REQ_SIZE),
                Arrays.copyOf(request, 16));
            ReferenceGcm.Result forged = ReferenceGcm.seal(new byte[32], PspTestDouble.iv(1), PspTestDouble.aad(request), plain);
            byte[] forgedRequest = request.clone();
            System.arraycopy(forged.tag(), 0, forgedRequest, 0, 16);
            System.arraycopy(forged.ciphertext(), 0, forgedRequest, SnpLayout.HDR_SIZE, forged.ciphertext().length);
            s.keep().deliverResponse(impostor.answer(forgedRequest));
            assertRefused(s, GuestRequestStatus.AUTH_FAILED);
        }
    }

    @Test
    void sequenceNumbersRunOutSafely() throws Throwable {
        try (Setup s = setup()) {
            s.keep().setLastSeqno(-2L);
            assertEquals(GuestRequestStatus.SEQNO_EXHAUSTED.code(), s.keep().buildReportRequest(reportData()));
            assertEquals(-2L, s.keep().lastSeqno());
            assertEquals(0, s.keep().awaitedSeqno());
            assertArrayEquals(new byte[SnpLayout.PAGE_SIZE], s.keep().requestPage(), "nothing may be published");
            s.keep().setLastSeqno(-3L);
            assertEquals(0, s.keep().buildReportRequest(reportData()));
            ByteBuffer hdr = ByteBuffer.wrap(s.keep().requestPage()).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(-2L, hdr.getLong(SnpLayout.HDR_MSG_SEQNO));
            assertEquals(-1L, s.keep().awaitedSeqno());
        }
    }

    private void exchangeSucceeds(Setup s) throws Throwable {
        byte[] data = reportData();
        assertEquals(0, s.keep().buildReportRequest(data));
        s.keep().deliverResponse(s.psp().answer(s.keep().requestPage()));
        KeepGuestRequest.Opened opened = s.keep().openReportResponse();
        assertEquals(0, opened.status(), GuestRequestStatus.describe(opened.status()));
        assertArrayEquals(data, Arrays.copyOfRange(opened.report(), SnpLayout.REPORT_REPORT_DATA,
            SnpLayout.REPORT_REPORT_DATA + 64));
        assertEquals(s.psp().lastSeqno(), s.keep().lastSeqno());
    }

    private void respondWith(Setup s, Consumer<PspTestDouble.ResponseFields> bend) throws Throwable {
        assertEquals(0, s.keep().buildReportRequest(reportData()));
        PspTestDouble.ResponseFields fields = new PspTestDouble.ResponseFields();
        bend.accept(fields);
        s.keep().deliverResponse(s.psp().answer(s.keep().requestPage(), fields));
    }

    private void checkField(Consumer<PspTestDouble.ResponseFields> bend, GuestRequestStatus expected) throws Throwable {
        try (Setup s = setup()) {
            respondWith(s, bend);
            assertRefused(s, expected);
        }
    }

    private void checkTamper(Consumer<byte[]> tamper, GuestRequestStatus expected) throws Throwable {
        try (Setup s = setup()) {
            byte[] data = reportData();
            s.keep().buildReportRequest(data);
            byte[] response = s.psp().answer(s.keep().requestPage());
            tamper.accept(response);
            s.keep().deliverResponse(response);
            if (expected == GuestRequestStatus.OK) {
                KeepGuestRequest.Opened opened = s.keep().openReportResponse();
                assertEquals(0, opened.status(), GuestRequestStatus.describe(opened.status()));
                assertArrayEquals(data, Arrays.copyOfRange(opened.report(), SnpLayout.REPORT_REPORT_DATA,
                    SnpLayout.REPORT_REPORT_DATA + 64));
            } else {
                assertRefused(s, expected);
            }
        }
    }

    /** The response is refused with exactly this status and the report destination is left as it was. */
    private static void assertRefused(Setup s, GuestRequestStatus expected) throws Throwable {
        KeepGuestRequest.Opened opened = s.keep().openReportResponse();
        assertEquals(expected.code(), opened.status(),
            "expected " + expected + ", got " + GuestRequestStatus.describe(opened.status()));
        byte[] stale = new byte[SnpLayout.REPORT_SIZE];
        Arrays.fill(stale, KeepGuestRequest.STALE);
        assertArrayEquals(stale, opened.report(), "a refused response wrote to the report destination");
        assertEquals(0, s.keep().awaitedSeqno(), "a refused response must end the exchange");
    }
}
