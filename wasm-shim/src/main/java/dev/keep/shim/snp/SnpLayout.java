package dev.keep.shim.snp;

/**
 * Every byte offset the in-keep SNP guest-request code and its Java counterparts agree on, in one
 * place: the AES-GCM argument block, the secrets page, the SNP guest message header and the
 * MSG_REPORT_REQ / MSG_REPORT_RSP payloads (Linux {@code struct snp_guest_msg_hdr},
 * {@code snp_report_req}, {@code snp_report_resp}; sev-snp.md §5.4–5.5), and the keep's own
 * guest-request state block. All fields are little-endian.
 */
public final class SnpLayout {
    private SnpLayout() {
    }

    public static final int PAGE_SIZE = 4096;

    // ---------------------------------------------------------------------------------------------
    // AES-256-GCM argument block (read by the emitted seal/open routines; eight u64 fields)

    /** Address of the 32-byte AES-256 key. */
    public static final int GCM_KEY = 0x00;
    /** Address of the 12-byte IV (only the 96-bit IV form of GCM is supported). */
    public static final int GCM_IV = 0x08;
    /** Address of the additional authenticated data. */
    public static final int GCM_AAD = 0x10;
    /** Length of the additional authenticated data in bytes. */
    public static final int GCM_AAD_LENGTH = 0x18;
    /** Address of the input: plaintext for seal, ciphertext for open. */
    public static final int GCM_SOURCE = 0x20;
    /** Address of the output (may equal the source: in-place operation). */
    public static final int GCM_DESTINATION = 0x28;
    /** Length of input and output in bytes. */
    public static final int GCM_LENGTH = 0x30;
    /** Address of the 16-byte tag: written by seal, compared by open. */
    public static final int GCM_TAG = 0x38;
    public static final int GCM_ARGS_SIZE = 0x40;

    public static final int GCM_KEY_SIZE = 32;
    public static final int GCM_IV_SIZE = 12;
    public static final int GCM_TAG_SIZE = 16;
    /** Longest AAD or text the routines accept (they answer {@link #GCM_TOO_LONG} above it). */
    public static final long GCM_MAX_LENGTH = 0xFFFF_FFFFL;

    /** Return values (eax) of the GCM routines. */
    public static final int GCM_OK = 0;
    public static final int GCM_AUTH_FAILED = 1;
    public static final int GCM_TOO_LONG = 2;

    // ---------------------------------------------------------------------------------------------
    // Secrets page (struct snp_secrets_page)

    public static final int SECRETS_VMPCK0 = 0x20;

    // ---------------------------------------------------------------------------------------------
    // SNP guest message header (struct snp_guest_msg_hdr, 0x60 bytes) and its constants

    /** 32-byte field; AES-GCM puts its 16-byte tag in the first half. */
    public static final int HDR_AUTHTAG = 0x00;
    public static final int HDR_MSG_SEQNO = 0x20;
    /** u8[8] reserved; its first four bytes double as the zero tail of the 12-byte IV. */
    public static final int HDR_RSVD1 = 0x28;
    public static final int HDR_ALGO = 0x30;
    public static final int HDR_HDR_VERSION = 0x31;
    public static final int HDR_HDR_SZ = 0x32;
    public static final int HDR_MSG_TYPE = 0x34;
    public static final int HDR_MSG_VERSION = 0x35;
    public static final int HDR_MSG_SZ = 0x36;
    public static final int HDR_RSVD2 = 0x38;
    public static final int HDR_MSG_VMPCK = 0x3C;
    public static final int HDR_SIZE = 0x60;
    /** The AAD is the header from algo to its end. */
    public static final int HDR_AAD_START = HDR_ALGO;
    public static final int HDR_AAD_SIZE = HDR_SIZE - HDR_AAD_START;

    public static final int ALGO_AES_256_GCM = 1;
    public static final int HDR_VERSION = 1;
    public static final int MSG_VERSION = 1;
    public static final int MSG_TYPE_REPORT_REQ = 5;
    public static final int MSG_TYPE_REPORT_RSP = 6;
    /** A VMPL0 keep always uses VMPCK0. */
    public static final int VMPCK_INDEX = 0;
    /** Largest payload that fits a 4 KiB message page after the header. */
    public static final int MAX_PAYLOAD = PAGE_SIZE - HDR_SIZE;

    // ---------------------------------------------------------------------------------------------
    // MSG_REPORT_REQ payload (struct snp_report_req, 96 bytes)

    public static final int REQ_USER_DATA = 0x00;
    public static final int REQ_USER_DATA_SIZE = 64;
    public static final int REQ_VMPL = 0x40;
    public static final int REPORT_REQ_SIZE = 0x60;

    // ---------------------------------------------------------------------------------------------
    // MSG_REPORT_RSP payload (struct snp_report_resp)

    public static final int RSP_STATUS = 0x00;
    public static final int RSP_REPORT_SIZE = 0x04;
    public static final int RSP_REPORT = 0x20;
    /** Size of an attestation report (all versions so far). */
    public static final int REPORT_SIZE = 0x4A0;
    public static final int REPORT_RSP_SIZE = RSP_REPORT + REPORT_SIZE;
    /** Where the report carries the request's user data (REPORT_DATA) and the VMPL. */
    public static final int REPORT_REPORT_DATA = 0x50;
    public static final int REPORT_VMPL = 0x30;

    // ---------------------------------------------------------------------------------------------
    // The keep's guest-request state block (private keep memory, set up once by the image builder)

    /** Address of the secrets page (VMPCK0 is read from it). */
    public static final int STATE_SECRETS_PAGE = 0x00;
    /** Address of the shared (C-bit clear) page the request is copied to for the hypervisor. */
    public static final int STATE_REQUEST_PAGE = 0x08;
    /** Address of the shared page the hypervisor puts the PSP's response in. */
    public static final int STATE_RESPONSE_PAGE = 0x10;
    /** Address of a private 4 KiB buffer where messages are built, copied in, checked and opened. */
    public static final int STATE_MESSAGE_BUFFER = 0x18;
    /**
     * The last sequence number used with VMPCK0 (u64). The next request uses this + 1; building a
     * request advances it by 2 at once (request and response number), before the request leaves
     * private memory, so no number is ever used twice with different contents.
     */
    public static final int STATE_LAST_SEQNO = 0x20;
    /** Sequence number the pending response must carry, 0 when no request is pending (u64). */
    public static final int STATE_AWAITED_SEQNO = 0x28;
    /** Scratch GCM argument block used by the guest-request routines. */
    public static final int STATE_GCM_ARGS = 0x30;
    public static final int STATE_SIZE = STATE_GCM_ARGS + GCM_ARGS_SIZE;

    // ---------------------------------------------------------------------------------------------
    // CPUID page (struct snp_cpuid_table; sev-snp.md §5.6, sev-backend SnpCpuidPage)

    public static final int CPUID_COUNT = 0x00;
    public static final int CPUID_ENTRIES = 0x10;
    public static final int CPUID_ENTRY_SIZE = 48;
    public static final int CPUID_MAX_ENTRIES = 64;
    public static final int CPUID_ENTRY_EAX_IN = 0x00;
    public static final int CPUID_ENTRY_ECX_IN = 0x04;
    public static final int CPUID_ENTRY_EAX = 0x18;
    public static final int CPUID_ENTRY_EBX = 0x1C;
    public static final int CPUID_ENTRY_ECX = 0x20;
    public static final int CPUID_ENTRY_EDX = 0x24;
    /** The memory-encryption leaf: EAX bit 1 = SEV, EBX[5:0] = C-bit position. */
    public static final int CPUID_LEAF_MEMORY_ENCRYPTION = 0x8000_001F;

    // ---------------------------------------------------------------------------------------------
    // GHCB MSR protocol (sev-snp.md §5.2) and GHCB page (§5.3)

    public static final int MSR_GHCB = 0xC001_0130;
    public static final int GHCB_INFO_MASK = 0xFFF;
    public static final int GHCB_SEV_INFO_REQ = 0x002;
    public static final int GHCB_SEV_INFO_RESP = 0x001;
    public static final int GHCB_REG_GPA_REQ = 0x012;
    public static final int GHCB_REG_GPA_RESP = 0x013;
    public static final int GHCB_HV_FT_REQ = 0x080;
    public static final int GHCB_HV_FT_RESP = 0x081;
    public static final int GHCB_TERM_REQ = 0x100;
    /** The GHCB protocol version the keep speaks. */
    public static final int GHCB_PROTOCOL_VERSION = 2;

    public static final int GHCB_RAX = 0x1F8;
    public static final int GHCB_SW_EXIT_CODE = 0x390;
    public static final int GHCB_SW_EXIT_INFO_1 = 0x398;
    public static final int GHCB_SW_EXIT_INFO_2 = 0x3A0;
    /** 128 bits; bit n marks the qword at offset 8n as valid. */
    public static final int GHCB_VALID_BITMAP = 0x3F0;
    public static final int GHCB_PROTOCOL_VERSION_FIELD = 0xFFA;
    public static final int GHCB_USAGE = 0xFFC;

    /** #VC error codes (SVM exit codes) the handler serves. */
    public static final int EXIT_CPUID = 0x72;
    public static final int EXIT_IOIO = 0x7B;
    /** SVM IOIO exit information: bit 0 IN, bits 4/5/6 operand size 8/16/32, bits 31:16 port. */
    public static final int IOIO_SIZE_8 = 1 << 4;
    public static final int IOIO_SIZE_32 = 1 << 6;
    public static final int IOIO_PORT_SHIFT = 16;

    /** NAE event of the SNP guest request: exit_info_1/2 = request/response page GPAs (§5.4). */
    public static final long EXIT_SNP_GUEST_REQUEST = 0x8000_0011L;
    /** Upper half of a guest request's sw_exit_info_2: the hypervisor is busy, send it again. */
    public static final int GUEST_REQUEST_VMM_BUSY = 2;
}
