package dev.keep.shim.snp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * TEST DOUBLE of the AMD PSP's side of the SNP guest request (the real one is firmware behind
 * hardware this machine does not have). Written from sev-snp.md §5.4 with BouncyCastle doing the
 * AES-256-GCM: it decrypts a MSG_REPORT_REQ with VMPCK0, checks the header and that the sequence
 * number is the one after the last it saw, and answers with an encrypted MSG_REPORT_RSP carrying a
 * report whose REPORT_DATA is the request's user data. Tests can bend any response field through
 * {@link ResponseFields} to produce responses a real PSP would not, still correctly encrypted.
 *
 * <p>The report is a version 3 report of a Milan part (CPUID family 0x19, model 0x01) at VMPL 0 with
 * the double's measurement; it is signed only when the double was given a {@link ReportSigner}
 * (another module's test root of trust), otherwise its signature field stays zero.
 */
public final class PspTestDouble {
    /** Writes a signature into a report in place, as the PSP does with the chip's VCEK. */
    @FunctionalInterface
    public interface ReportSigner {
        void sign(byte[] report) throws Exception;
    }

    /** A request the double refuses, as the firmware would with an error status. */
    public static final class Refused extends Exception {
        Refused(String message) {
            super(message);
        }
    }

    /** The response's header and payload fields; the defaults are what a correct PSP sends. */
    public static final class ResponseFields {
        int algo = SnpLayout.ALGO_AES_256_GCM;
        int hdrVersion = SnpLayout.HDR_VERSION;
        int hdrSize = SnpLayout.HDR_SIZE;
        int msgType = SnpLayout.MSG_TYPE_REPORT_RSP;
        int msgVersion = SnpLayout.MSG_VERSION;
        int msgSize = SnpLayout.REPORT_RSP_SIZE;
        int vmpck = SnpLayout.VMPCK_INDEX;
        /** Response sequence number minus the request's. */
        long seqnoDelta = 1;
        int status = 0;
        int reportSize = SnpLayout.REPORT_SIZE;
    }

    private static final int MEASUREMENT_SIZE = 48;

    private final byte[] vmpck0;
    private final byte[] measurement;
    private final ReportSigner signer;
    private long lastSeqno;

    /** A double with a random measurement and unsigned reports. */
    PspTestDouble(byte[] vmpck0, Random rnd) {
        this(vmpck0, randomMeasurement(rnd), report -> { });
    }

    /** A double whose reports carry {@code measurement} (48 bytes) and are signed by {@code signer}. */
    public PspTestDouble(byte[] vmpck0, byte[] measurement, ReportSigner signer) {
        if (measurement.length != MEASUREMENT_SIZE) {
            throw new IllegalArgumentException("a measurement is " + MEASUREMENT_SIZE + " bytes, got "
                    + measurement.length);
        }
        this.vmpck0 = vmpck0.clone();
        this.measurement = measurement.clone();
        this.signer = signer;
    }

    private static byte[] randomMeasurement(Random rnd) {
        byte[] m = new byte[MEASUREMENT_SIZE];
        rnd.nextBytes(m);
        return m;
    }

    public long lastSeqno() {
        return lastSeqno;
    }

    public byte[] measurement() {
        return measurement.clone();
    }

    byte[] answer(byte[] requestPage) throws Refused {
        return answer(requestPage, new ResponseFields());
    }

    /** The response page for a request page, as the PSP answers a correct request. */
    public byte[] answerCorrectly(byte[] requestPage) throws Refused {
        return answer(requestPage, new ResponseFields());
    }

    byte[] answer(byte[] requestPage, ResponseFields fields) throws Refused {
        ByteBuffer req = ByteBuffer.wrap(requestPage).order(ByteOrder.LITTLE_ENDIAN);
        expect(req.get(SnpLayout.HDR_ALGO), SnpLayout.ALGO_AES_256_GCM, "algo");
        expect(req.get(SnpLayout.HDR_HDR_VERSION), SnpLayout.HDR_VERSION, "hdr_version");
        expect(req.getShort(SnpLayout.HDR_HDR_SZ), SnpLayout.HDR_SIZE, "hdr_sz");
        expect(req.get(SnpLayout.HDR_MSG_TYPE), SnpLayout.MSG_TYPE_REPORT_REQ, "msg_type");
        expect(req.get(SnpLayout.HDR_MSG_VERSION), SnpLayout.MSG_VERSION, "msg_version");
        expect(req.getShort(SnpLayout.HDR_MSG_SZ), SnpLayout.REPORT_REQ_SIZE, "msg_sz");
        expect(req.get(SnpLayout.HDR_MSG_VMPCK), SnpLayout.VMPCK_INDEX, "msg_vmpck");
        long seqno = req.getLong(SnpLayout.HDR_MSG_SEQNO);
        if (seqno != lastSeqno + 1) {
            throw new Refused("sequence number " + seqno + ", expected " + (lastSeqno + 1));
        }
        byte[] payload = ReferenceGcm.open(vmpck0, iv(seqno), aad(requestPage),
            Arrays.copyOfRange(requestPage, SnpLayout.HDR_SIZE, SnpLayout.HDR_SIZE + SnpLayout.REPORT_REQ_SIZE),
            Arrays.copyOf(requestPage, SnpLayout.GCM_TAG_SIZE));
        if (payload == null) {
            throw new Refused("request does not authenticate with VMPCK0");
        }
        ByteBuffer body = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        expect(body.getInt(SnpLayout.REQ_VMPL), 0, "vmpl");
        for (int i = SnpLayout.REQ_VMPL + 4; i < SnpLayout.REPORT_REQ_SIZE; i++) {
            expect(payload[i], 0, "reserved byte " + i);
        }
        // The firmware counts the request as used as soon as it authenticated it.
        lastSeqno = seqno + 1;
        byte[] userData = Arrays.copyOf(payload, SnpLayout.REQ_USER_DATA_SIZE);
        return response(seqno + fields.seqnoDelta, fields, report(userData));
    }

    private byte[] report(byte[] userData) {
        ByteBuffer r = ByteBuffer.allocate(SnpLayout.REPORT_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt(0x000, 3);
        r.putLong(0x008, 0x30000L);
        r.putInt(SnpLayout.REPORT_VMPL, 0);
        r.putInt(0x034, 1);
        r.put(SnpLayout.REPORT_REPORT_DATA, userData);
        r.put(0x090, measurement);
        // Version 3 reports name the part: Milan is family 0x19, model 0x01.
        r.put(0x188, (byte) 0x19);
        r.put(0x189, (byte) 0x01);
        r.put(0x18A, (byte) 0x01);
        byte[] report = r.array();
        try {
            signer.sign(report);
        } catch (Exception e) {
            throw new IllegalStateException("the report signer failed: " + e.getMessage(), e);
        }
        return report;
    }

    private byte[] response(long seqno, ResponseFields f, byte[] report) {
        byte[] page = new byte[SnpLayout.PAGE_SIZE];
        ByteBuffer p = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        p.putLong(SnpLayout.HDR_MSG_SEQNO, seqno);
        p.put(SnpLayout.HDR_ALGO, (byte) f.algo);
        p.put(SnpLayout.HDR_HDR_VERSION, (byte) f.hdrVersion);
        p.putShort(SnpLayout.HDR_HDR_SZ, (short) f.hdrSize);
        p.put(SnpLayout.HDR_MSG_TYPE, (byte) f.msgType);
        p.put(SnpLayout.HDR_MSG_VERSION, (byte) f.msgVersion);
        p.putShort(SnpLayout.HDR_MSG_SZ, (short) f.msgSize);
        p.put(SnpLayout.HDR_MSG_VMPCK, (byte) f.vmpck);
        int payloadSize = Math.min(f.msgSize, SnpLayout.MAX_PAYLOAD);
        ByteBuffer payload = ByteBuffer.allocate(payloadSize).order(ByteOrder.LITTLE_ENDIAN);
        payload.putInt(SnpLayout.RSP_STATUS, f.status);
        payload.putInt(SnpLayout.RSP_REPORT_SIZE, f.reportSize);
        payload.put(SnpLayout.RSP_REPORT, report, 0, Math.min(report.length, payloadSize - SnpLayout.RSP_REPORT));
        ReferenceGcm.Result sealed = ReferenceGcm.seal(vmpck0, iv(seqno), aad(page), payload.array());
        System.arraycopy(sealed.tag(), 0, page, SnpLayout.HDR_AUTHTAG, sealed.tag().length);
        System.arraycopy(sealed.ciphertext(), 0, page, SnpLayout.HDR_SIZE, sealed.ciphertext().length);
        return page;
    }

    /** IV = the sequence number as 8 little-endian bytes, then 4 zero bytes. */
    static byte[] iv(long seqno) {
        return ByteBuffer.allocate(SnpLayout.GCM_IV_SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(seqno).array();
    }

    static byte[] aad(byte[] page) {
        return Arrays.copyOfRange(page, SnpLayout.HDR_AAD_START, SnpLayout.HDR_SIZE);
    }

    private static void expect(long actual, long expected, String field) throws Refused {
        if (actual != expected) {
            throw new Refused("request " + field + " is " + actual + ", expected " + expected);
        }
    }
}
