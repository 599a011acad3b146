package dev.keep.shim.snp;

import static dev.keep.shim.asm.Reg.EAX;
import static dev.keep.shim.asm.Reg.ECX;
import static dev.keep.shim.asm.Reg.R12;
import static dev.keep.shim.asm.Reg.R13;
import static dev.keep.shim.asm.Reg.RAX;
import static dev.keep.shim.asm.Reg.RBX;
import static dev.keep.shim.asm.Reg.RCX;
import static dev.keep.shim.asm.Reg.RDI;
import static dev.keep.shim.asm.Reg.RSI;
import static dev.keep.shim.asm.Reg.XMM0;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Width;

/**
 * Emits the keep's side of the SNP guest request for an attestation report (MSG_REPORT_REQ /
 * MSG_REPORT_RSP, AES-256-GCM with VMPCK0; sev-snp.md §5.4). The transport (the GUEST_REQUEST
 * VMGEXIT naming the two shared pages) is not part of these routines.
 *
 * <p>Both routines are System V compatible: {@code rdi} = address of the guest-request state block
 * ({@code SnpLayout.STATE_*}), result in {@code eax} as a {@link GuestRequestStatus} code; rbx, rbp,
 * r12–r15 preserved, everything else (including all xmm registers) clobbered. Direction flag clear.
 *
 * <ul>
 *   <li>build report request ({@code rsi} = 64 bytes of REPORT_DATA): writes the message into the
 *       private buffer, encrypts it there with VMPCK0 and the next sequence number, advances the
 *       stored sequence number by 2 and records the response number it now waits for, and only then
 *       copies header and ciphertext to the shared request page. To retry after the hypervisor said
 *       BUSY, resend the same page: building again would move on to new sequence numbers.</li>
 *   <li>open report response ({@code rsi} = 1184-byte destination for the report): consumes the
 *       pending exchange (a response is accepted at most once), copies the shared response page into
 *       the private buffer once (the hypervisor may change the shared page at any time, so nothing is
 *       read from it twice), checks the header fields, that the sequence number is the request's plus
 *       one, the tag, the PSP status and the report size, and copies the report out. Any mismatch
 *       returns its own status and writes nothing to the destination.</li>
 * </ul>
 */
public final class GuestRequestEmitter {
    /** Entry points of the emitted routines. */
    public record Routines(Label buildReportRequest, Label openReportResponse) {
    }

    private static final int REQUEST_MESSAGE_SIZE = SnpLayout.HDR_SIZE + SnpLayout.REPORT_REQ_SIZE;

    private final Assembler a;
    private final AesGcmEmitter.Routines gcm;

    private GuestRequestEmitter(Assembler a, AesGcmEmitter.Routines gcm) {
        this.a = a;
        this.gcm = gcm;
    }

    /** Emits both routines at the current position; they call the given GCM routines. */
    public static Routines emit(Assembler a, AesGcmEmitter.Routines gcm) {
        GuestRequestEmitter e = new GuestRequestEmitter(a, gcm);
        Label build = a.newLabel();
        Label open = a.newLabel();
        a.bind(build);
        e.buildReportRequest();
        a.align(16);
        a.bind(open);
        e.openReportResponse();
        return new Routines(build, open);
    }

    private void buildReportRequest() {
        Label done = a.newLabel();
        Label exhausted = a.newLabel();
        a.push(RBX);
        a.push(R12);
        a.mov(RBX, RDI);
        a.mov(R12, RSI);
        // The request takes last+1 and its response last+2; both must stay non-zero u64 values.
        a.mov(RAX, state(SnpLayout.STATE_LAST_SEQNO));
        a.cmp(RAX, -3);
        a.jcc(Cond.A, exhausted);

        a.mov(RDI, state(SnpLayout.STATE_MESSAGE_BUFFER));
        a.mov(ECX, REQUEST_MESSAGE_SIZE);
        a.xor(EAX, EAX);
        a.repStosb();
        a.mov(RDI, state(SnpLayout.STATE_MESSAGE_BUFFER));
        a.mov(RAX, state(SnpLayout.STATE_LAST_SEQNO));
        a.inc(RAX);
        a.mov(Mem.base(RDI).disp(SnpLayout.HDR_MSG_SEQNO), RAX);
        a.mov(Width.BYTE, msg(SnpLayout.HDR_ALGO), SnpLayout.ALGO_AES_256_GCM);
        a.mov(Width.BYTE, msg(SnpLayout.HDR_HDR_VERSION), SnpLayout.HDR_VERSION);
        a.mov(Width.WORD, msg(SnpLayout.HDR_HDR_SZ), SnpLayout.HDR_SIZE);
        a.mov(Width.BYTE, msg(SnpLayout.HDR_MSG_TYPE), SnpLayout.MSG_TYPE_REPORT_REQ);
        a.mov(Width.BYTE, msg(SnpLayout.HDR_MSG_VERSION), SnpLayout.MSG_VERSION);
        a.mov(Width.WORD, msg(SnpLayout.HDR_MSG_SZ), SnpLayout.REPORT_REQ_SIZE);
        a.mov(Width.BYTE, msg(SnpLayout.HDR_MSG_VMPCK), SnpLayout.VMPCK_INDEX);
        for (int off = 0; off < SnpLayout.REQ_USER_DATA_SIZE; off += 16) {
            a.movdqu(XMM0, Mem.base(R12).disp(off));
            a.movdqu(msg(SnpLayout.HDR_SIZE + SnpLayout.REQ_USER_DATA + off), XMM0);
        }
        // vmpl (payload 0x40) stays 0: the keep runs at VMPL0.

        // Commit the sequence numbers before anything leaves private memory: even if this exchange
        // is lost, no number is ever used again with a different message.
        a.inc(RAX);
        a.mov(state(SnpLayout.STATE_LAST_SEQNO), RAX);
        a.mov(state(SnpLayout.STATE_AWAITED_SEQNO), RAX);

        gcmArgs(RDI);
        a.mov(Width.QWORD, Mem.base(RSI).disp(SnpLayout.GCM_LENGTH), SnpLayout.REPORT_REQ_SIZE);
        a.mov(RDI, RSI);
        a.call(gcm.seal());

        a.mov(RSI, state(SnpLayout.STATE_MESSAGE_BUFFER));
        a.mov(RDI, state(SnpLayout.STATE_REQUEST_PAGE));
        a.mov(ECX, REQUEST_MESSAGE_SIZE);
        a.repMovsb();
        a.xor(EAX, EAX);
        a.jmp(done);

        a.bind(exhausted);
        a.mov(EAX, GuestRequestStatus.SEQNO_EXHAUSTED.code());
        a.bind(done);
        a.pop(R12);
        a.pop(RBX);
        a.ret();
    }

    private void openReportResponse() {
        Label done = a.newLabel();
        a.push(RBX);
        a.push(R12);
        a.push(R13);
        a.mov(RBX, RDI);
        a.mov(R12, RSI);
        a.mov(R13, state(SnpLayout.STATE_AWAITED_SEQNO));
        a.mov(EAX, GuestRequestStatus.NO_REQUEST_PENDING.code());
        a.test(R13, R13);
        a.jcc(Cond.Z, done);
        a.mov(Width.QWORD, state(SnpLayout.STATE_AWAITED_SEQNO), 0);

        a.mov(RSI, state(SnpLayout.STATE_RESPONSE_PAGE));
        a.mov(RDI, state(SnpLayout.STATE_MESSAGE_BUFFER));
        a.mov(ECX, SnpLayout.PAGE_SIZE);
        a.repMovsb();
        a.mov(RDI, state(SnpLayout.STATE_MESSAGE_BUFFER));

        refuseUnless(Width.BYTE, SnpLayout.HDR_ALGO, SnpLayout.ALGO_AES_256_GCM, GuestRequestStatus.BAD_ALGO, done);
        refuseUnless(Width.BYTE, SnpLayout.HDR_HDR_VERSION, SnpLayout.HDR_VERSION,
            GuestRequestStatus.BAD_HDR_VERSION, done);
        refuseUnless(Width.WORD, SnpLayout.HDR_HDR_SZ, SnpLayout.HDR_SIZE, GuestRequestStatus.BAD_HDR_SIZE, done);
        refuseUnless(Width.BYTE, SnpLayout.HDR_MSG_TYPE, SnpLayout.MSG_TYPE_REPORT_RSP,
            GuestRequestStatus.BAD_MSG_TYPE, done);
        refuseUnless(Width.BYTE, SnpLayout.HDR_MSG_VERSION, SnpLayout.MSG_VERSION,
            GuestRequestStatus.BAD_MSG_VERSION, done);
        refuseUnless(Width.BYTE, SnpLayout.HDR_MSG_VMPCK, SnpLayout.VMPCK_INDEX, GuestRequestStatus.BAD_VMPCK, done);
        a.mov(EAX, GuestRequestStatus.BAD_MSG_SIZE.code());
        a.movzx(ECX, Width.WORD, msg(SnpLayout.HDR_MSG_SZ));
        a.cmp(ECX, SnpLayout.REPORT_RSP_SIZE);
        a.jcc(Cond.B, done);
        a.cmp(ECX, SnpLayout.MAX_PAYLOAD);
        a.jcc(Cond.A, done);
        a.mov(EAX, GuestRequestStatus.BAD_SEQNO.code());
        a.cmp(msg(SnpLayout.HDR_MSG_SEQNO), R13);
        a.jcc(Cond.NE, done);

        // The IV is msg_seqno followed by four zero bytes; rsvd1 is neither authenticated nor
        // trusted, so the private copy gets the zeros the IV needs.
        a.mov(Width.DWORD, msg(SnpLayout.HDR_RSVD1), 0);
        gcmArgs(RDI);
        a.mov(Mem.base(RSI).disp(SnpLayout.GCM_LENGTH), RCX);
        a.mov(RDI, RSI);
        a.call(gcm.open());
        a.mov(RDI, state(SnpLayout.STATE_MESSAGE_BUFFER));
        a.test(EAX, EAX);
        a.mov(EAX, GuestRequestStatus.AUTH_FAILED.code());
        a.jcc(Cond.NZ, done);

        refuseUnless(Width.DWORD, SnpLayout.HDR_SIZE + SnpLayout.RSP_STATUS, 0,
            GuestRequestStatus.FIRMWARE_ERROR, done);
        refuseUnless(Width.DWORD, SnpLayout.HDR_SIZE + SnpLayout.RSP_REPORT_SIZE, SnpLayout.REPORT_SIZE,
            GuestRequestStatus.BAD_REPORT_SIZE, done);
        a.lea(RSI, msg(SnpLayout.HDR_SIZE + SnpLayout.RSP_REPORT));
        a.mov(RDI, R12);
        a.mov(ECX, SnpLayout.REPORT_SIZE);
        a.repMovsb();
        a.xor(EAX, EAX);

        a.bind(done);
        a.pop(R13);
        a.pop(R12);
        a.pop(RBX);
        a.ret();
    }

    /** eax = the refusal code; leaves for {@code done} unless the message field holds {@code expected}. */
    private void refuseUnless(Width w, int offset, int expected, GuestRequestStatus refusal, Label done) {
        a.mov(EAX, refusal.code());
        a.cmp(w, msg(offset), expected);
        a.jcc(Cond.NE, done);
    }

    /**
     * Fills the state's GCM argument block for the message in the buffer at {@code message}: key
     * VMPCK0, IV at msg_seqno, AAD the header from algo on, payload in place, tag in authtag; leaves
     * its address in rsi. The caller sets the length. Clobbers rax.
     */
    private void gcmArgs(Gpr message) {
        a.lea(RSI, state(SnpLayout.STATE_GCM_ARGS));
        a.mov(RAX, state(SnpLayout.STATE_SECRETS_PAGE));
        a.add(RAX, SnpLayout.SECRETS_VMPCK0);
        a.mov(gcmArg(SnpLayout.GCM_KEY), RAX);
        a.lea(RAX, Mem.base(message).disp(SnpLayout.HDR_MSG_SEQNO));
        a.mov(gcmArg(SnpLayout.GCM_IV), RAX);
        a.lea(RAX, Mem.base(message).disp(SnpLayout.HDR_AAD_START));
        a.mov(gcmArg(SnpLayout.GCM_AAD), RAX);
        a.mov(Width.QWORD, gcmArg(SnpLayout.GCM_AAD_LENGTH), SnpLayout.HDR_AAD_SIZE);
        a.lea(RAX, Mem.base(message).disp(SnpLayout.HDR_SIZE));
        a.mov(gcmArg(SnpLayout.GCM_SOURCE), RAX);
        a.mov(gcmArg(SnpLayout.GCM_DESTINATION), RAX);
        a.lea(RAX, Mem.base(message).disp(SnpLayout.HDR_AUTHTAG));
        a.mov(gcmArg(SnpLayout.GCM_TAG), RAX);
    }

    private static Mem state(int offset) {
        return Mem.base(RBX).disp(offset);
    }

    private static Mem msg(int offset) {
        return Mem.base(RDI).disp(offset);
    }

    private static Mem gcmArg(int offset) {
        return Mem.base(RSI).disp(offset);
    }
}
