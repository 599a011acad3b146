package dev.keep.shim.abi;

/**
 * The hostcall ABI, version 1: every number both sides of a keep agree on. The in-keep runtime
 * writes requests with these offsets; the host validator reads them with the same constants.
 * docs/hostcall-abi.md is the normative text and carries a table of these values; a test checks
 * that the table and this class agree, so change both together and bump {@link #VERSION} when a
 * layout changes.
 *
 * <p>All multi-byte fields are little-endian. Offsets are relative to the start of the mailbox.
 */
public final class HostcallAbi {
    private HostcallAbi() {
    }

    // ---- version and placement -----------------------------------------------------------------

    /** "KMBX" read as a little-endian u32: the guest writes it so the host can tell a mailbox. */
    public static final int MAILBOX_MAGIC = 0x58424D4B;
    /**
     * The ABI version this code speaks; the host rejects any other (2 added {@link #OP_WASI}, 3
     * added {@link #OP_AWAIT}).
     */
    public static final int VERSION = 3;
    /** Guest-virtual and guest-physical address of the mailbox (identity-mapped, shared). */
    public static final long MAILBOX_ADDRESS = 0x20000;
    /** Total mailbox size: header plus payload area. */
    public static final int MAILBOX_SIZE = 0x10000;

    // ---- header fields (offset from the mailbox start) -----------------------------------------

    /** u32, guest-written: {@link #MAILBOX_MAGIC}. */
    public static final int OFF_MAGIC = 0x00;
    /** u32, guest-written: {@link #VERSION}. */
    public static final int OFF_VERSION = 0x04;
    /** u64, guest-written: 1 for the first request, then +1 per request. */
    public static final int OFF_SEQUENCE = 0x08;
    /** u32, guest-written: one of the OP_ values. */
    public static final int OFF_OPCODE = 0x10;
    /** u32, guest-written: must be 0 (no flags are defined). */
    public static final int OFF_FLAGS = 0x14;
    /** u32, guest-written: where the request payload starts. */
    public static final int OFF_REQUEST_OFFSET = 0x18;
    /** u32, guest-written: request payload length in bytes. */
    public static final int OFF_REQUEST_LENGTH = 0x1C;
    /** u32, guest-written: where the host may write a reply payload. */
    public static final int OFF_REPLY_OFFSET = 0x20;
    /** u32, guest-written: how many reply bytes the guest made room for. */
    public static final int OFF_REPLY_CAPACITY = 0x24;
    /** u32, host-written: reply payload bytes actually written. */
    public static final int OFF_REPLY_LENGTH = 0x28;
    /** u32, host-written: a WASI errno, 0 on success. */
    public static final int OFF_STATUS = 0x2C;
    /** u64, host-written: the operation's result value (WRITE: bytes written). */
    public static final int OFF_RESULT = 0x30;
    /** u64, guest-written: reserved, must be 0. */
    public static final int OFF_RESERVED = 0x38;
    /** Header size; the payload area starts here. */
    public static final int HEADER_SIZE = 0x40;
    /** Size of the payload area (request and reply ranges must lie inside it). */
    public static final int PAYLOAD_SIZE = MAILBOX_SIZE - HEADER_SIZE;

    // ---- opcodes -------------------------------------------------------------------------------

    /** Request: u32 fd (1 = stdout, 2 = stderr), u32 reserved (0), then the bytes to write. */
    public static final int OP_WRITE = 1;
    /** Request: u32 exit status (0..255). The keep ends; no reply. */
    public static final int OP_EXIT = 2;

    /**
     * Request: one WASI preview1 call forwarded to the host ({@link WasiCall}): u32 call id, u32
     * reserved (0), {@link #WASI_MAX_ARGS} u64 argument slots, then the input bytes. The reply
     * payload carries the call's fixed-size outputs, then its variable-size output.
     */
    public static final int OP_WASI = 3;

    /**
     * Store keeps only (a keep the host instantiates modules into and calls, for {@code keep wast}
     * and the Java invoke API): "idle; the previous call ended with this status, what next?".
     * Request: u32 status (0, or the trap code of the call the keep just made), u32 reserved (0).
     * Reply: {@link #AWAIT_REPLY_LENGTH} bytes, the next call as four u64 guest addresses (entry
     * trampoline, context, values, function); the keep calls it and asks again. A command keep
     * (an app's image) never sends it, and the host refuses it from one.
     */
    public static final int OP_AWAIT = 4;
    /** Exact length of an AWAIT request. */
    public static final int AWAIT_REQUEST_LENGTH = 8;
    /** Bytes of an AWAIT reply: trampoline, context, values, function (u64 each). */
    public static final int AWAIT_REPLY_LENGTH = 32;

    /** Offset of the fd within a WRITE request. */
    public static final int WRITE_OFF_FD = 0;
    /** Offset of the reserved word within a WRITE request. */
    public static final int WRITE_OFF_RESERVED = 4;
    /** Offset of the data within a WRITE request; also the minimum WRITE request length. */
    public static final int WRITE_OFF_DATA = 8;
    /** Exact length of an EXIT request. */
    public static final int EXIT_REQUEST_LENGTH = 4;
    /** Largest exit status a keep may report (process exit codes are one byte). */
    public static final int EXIT_STATUS_MAX = 255;
    /** File descriptor of the keep's standard output. */
    public static final int FD_STDOUT = 1;
    /** File descriptor of the keep's standard error. */
    public static final int FD_STDERR = 2;

    /** Offset of the call id (a {@link WasiCall} id) within a WASI request. */
    public static final int WASI_OFF_CALL = 0;
    /** Offset of the reserved word within a WASI request. */
    public static final int WASI_OFF_RESERVED = 4;
    /** Offset of the first u64 argument slot within a WASI request. */
    public static final int WASI_OFF_ARGS = 8;
    /** Argument slots in a WASI request (path_open, the longest call, has 9 parameters). */
    public static final int WASI_MAX_ARGS = 9;
    /** Offset of the input bytes within a WASI request; also its minimum length. */
    public static final int WASI_OFF_DATA = WASI_OFF_ARGS + 8 * WASI_MAX_ARGS;
    /** Longest path one WASI request carries (PATH_MAX, with the terminating NUL counted). */
    public static final int WASI_MAX_PATH = 0x1000;
    /** Most data bytes one WASI request moves either way (read, write, readdir, readlink). */
    public static final int WASI_MAX_TRANSFER = 0x8000;
    /** Most subscriptions one poll_oneoff request carries (48 bytes each in, 32 bytes each out). */
    public static final int WASI_MAX_SUBSCRIPTIONS = 256;
    /** Largest status a host may answer: WASI's last errno, notcapable. */
    public static final int STATUS_MAX = 76;

    // ---- status values the host writes (WASI errno numbers) ------------------------------------

    /** Success. */
    public static final int STATUS_OK = 0;
    /** WASI EIO: the host could not complete the operation (for example a closed stdout). */
    public static final int STATUS_EIO = 29;

    // ---- doorbells -----------------------------------------------------------------------------

    /**
     * I/O port the guest writes (32-bit {@code out}, EAX = low 32 bits of the sequence number)
     * after it filled the mailbox. The only port the TSS I/O bitmap lets ring 3 use.
     */
    public static final int REQUEST_DOORBELL_PORT = 0xE0;
    /**
     * I/O port the ring-0 exception stubs write (32-bit {@code out}, EAX = vector) after they
     * filled the fault record. Denied to ring 3 by the I/O bitmap, so a payload cannot forge a
     * fault report. It lies outside 0xE0-0xE7, the ports ring 3 may be given: a 32-bit access
     * needs the bitmap bits of all four bytes it touches, so the request doorbell opens 0xE0-0xE3.
     */
    public static final int FAULT_DOORBELL_PORT = 0xE8;
    /** Width in bytes of every doorbell write. */
    public static final int DOORBELL_SIZE = 4;

    /**
     * The ports ring 3's request doorbell ({@code out 0xE0, eax}) touches, all of which the TSS I/O
     * bitmap must open (Intel SDM vol. 1, "I/O permission bit map": every byte of a multi-byte access
     * is checked).
     */
    public static java.util.Set<Integer> requestDoorbellPorts() {
        java.util.Set<Integer> ports = new java.util.TreeSet<>();
        for (int i = 0; i < DOORBELL_SIZE; i++) {
            ports.add(REQUEST_DOORBELL_PORT + i);
        }
        return java.util.Collections.unmodifiableSet(ports);
    }

    // ---- fault record (supervisor-only page, written by the ring-0 stubs) -----------------------

    /** Guest address of the fault record (identity-mapped, supervisor-only, not shared). */
    public static final long FAULT_RECORD_ADDRESS = 0x15000;
    /** u64: exception vector, 0..31. */
    public static final int FAULT_OFF_VECTOR = 0x00;
    /** u64: error code the CPU pushed, or 0 for vectors without one. */
    public static final int FAULT_OFF_ERROR_CODE = 0x08;
    /** u64: RIP of the interrupted instruction (for traps: the next one). */
    public static final int FAULT_OFF_RIP = 0x10;
    /** u64: CS of the interrupted context (0x33 for ring 3). */
    public static final int FAULT_OFF_CS = 0x18;
    /** u64: RFLAGS of the interrupted context. */
    public static final int FAULT_OFF_RFLAGS = 0x20;
    /** u64: RSP of the interrupted context. */
    public static final int FAULT_OFF_RSP = 0x28;
    /** u64: SS of the interrupted context. */
    public static final int FAULT_OFF_SS = 0x30;
    /** u64: CR2 when the stub ran (the faulting address for #PF). */
    public static final int FAULT_OFF_CR2 = 0x38;
    /** u64: RAX of the interrupted context (the stub needs RAX for the doorbell). */
    public static final int FAULT_OFF_RAX = 0x40;
    /** u64: faults recorded since start; more than 1 means a fault hit while reporting one. */
    public static final int FAULT_OFF_COUNT = 0x48;
    /** Bytes of the fault record. */
    public static final int FAULT_RECORD_SIZE = 0x50;
}
