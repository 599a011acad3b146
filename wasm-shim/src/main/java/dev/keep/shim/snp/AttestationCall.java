package dev.keep.shim.snp;

/**
 * The contract of {@code keep.attestation_report(report_data_ptr, out_ptr, out_len) -> i32}, the
 * Wasm import that asks the keep for an SEV-SNP attestation report, and of the request ring 3
 * makes to ring 0 for it in an SNP keep (docs/keep-image.md, "Attestation reports"):
 *
 * <ul>
 *   <li>The result is {@link #REPORT_SIZE} (the report's length, written to {@code out_ptr}) or
 *       one of the negative codes below; nothing is written to linear memory on an error.</li>
 *   <li>Ring 3 asks ring 0 with an 8-bit {@code out} to {@link #PORT} (open in the TSS I/O bitmap
 *       of SNP keeps only; one byte, because the CPU checks the bitmap bit of every port an access
 *       touches; under SNP the {@code out} raises #VC), with EDI = report_data_ptr and
 *       ESI = out_ptr as linear-memory offsets. Ring 0 checks both ranges again against the linear
 *       memory the image maps, and answers in EAX with the same result codes; every other
 *       register comes back unchanged except the xmm registers (the request runs AES-GCM on
 *       them; the ring-3 routine is a call, where all of them are caller-saved).</li>
 * </ul>
 */
public final class AttestationCall {
    private AttestationCall() {
    }

    /** Wasm import module and function name. */
    public static final String MODULE = "keep";
    public static final String NAME = "attestation_report";

    /**
     * I/O port of the ring-3 to ring-0 request, written with a one-byte {@code out}. The doorbell
     * covers 0xE0..0xE3 (a 32-bit access) and the ring-0 fault doorbell is 0xE8.
     */
    public static final int PORT = 0xE4;

    /** Bytes of REPORT_DATA the payload chooses (read from report_data_ptr). */
    public static final int REPORT_DATA_SIZE = SnpLayout.REQ_USER_DATA_SIZE;
    /** Bytes of the report written to out_ptr, and the success result. */
    public static final int REPORT_SIZE = SnpLayout.REPORT_SIZE;

    /** The keep has no hardware root of trust (a plain keep): no report exists. */
    public static final int NO_HARDWARE = -1;
    /** A buffer is not inside linear memory. */
    public static final int BAD_POINTER = -2;
    /** out_len is below {@link #REPORT_SIZE}. */
    public static final int BUFFER_TOO_SMALL = -3;
    /**
     * The keep refused: its request could not be built (sequence numbers used up) or the
     * response failed one of its checks ({@link GuestRequestStatus}).
     */
    public static final int REFUSED = -4;
    /** The hypervisor or the PSP reported an error (GHCB status, or the report's status field). */
    public static final int FIRMWARE_ERROR = -5;

    /** How many times a guest request the hypervisor answered BUSY is sent again. */
    public static final int BUSY_RETRIES = 16;
}
