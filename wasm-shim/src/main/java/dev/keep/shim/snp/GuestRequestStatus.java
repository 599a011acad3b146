package dev.keep.shim.snp;

/**
 * What the emitted guest-request routines return in eax: 0 for success, otherwise one distinct code
 * per reason a request could not be built or a response was refused.
 */
public enum GuestRequestStatus {
    OK(0, "success"),
    SEQNO_EXHAUSTED(1, "the VMPCK0 message sequence numbers are used up"),
    NO_REQUEST_PENDING(2, "no request is waiting for a response (replayed or unsolicited response)"),
    BAD_ALGO(3, "response header algo is not AES-256-GCM"),
    BAD_HDR_VERSION(4, "response header version is not 1"),
    BAD_HDR_SIZE(5, "response header size is not 0x60"),
    BAD_MSG_TYPE(6, "response message type is not MSG_REPORT_RSP"),
    BAD_MSG_VERSION(7, "response message version is not 1"),
    BAD_VMPCK(8, "response was not made with VMPCK0"),
    BAD_MSG_SIZE(9, "response payload size does not fit a report response"),
    BAD_SEQNO(10, "response sequence number is not the request's plus one"),
    AUTH_FAILED(11, "response failed AES-GCM authentication"),
    FIRMWARE_ERROR(12, "the PSP answered with a non-zero status"),
    BAD_REPORT_SIZE(13, "the report in the response does not have the expected size");

    private final int code;
    private final String meaning;

    GuestRequestStatus(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    /** The value the routines return in eax. */
    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The status for a returned code; an unknown code is reported as such, never thrown. */
    public static String describe(int code) {
        for (GuestRequestStatus s : values()) {
            if (s.code == code) {
                return s.name() + ": " + s.meaning;
            }
        }
        return "unknown guest-request status " + code;
    }

    public static GuestRequestStatus of(int code) {
        for (GuestRequestStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown guest-request status " + code);
    }
}
