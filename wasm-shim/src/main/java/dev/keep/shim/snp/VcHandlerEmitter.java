package dev.keep.shim.snp;

import static dev.keep.shim.asm.Reg.EAX;
import static dev.keep.shim.asm.Reg.ECX;
import static dev.keep.shim.asm.Reg.EDX;
import static dev.keep.shim.asm.Reg.ESI;
import static dev.keep.shim.asm.Reg.R10;
import static dev.keep.shim.asm.Reg.R11;
import static dev.keep.shim.asm.Reg.R8;
import static dev.keep.shim.asm.Reg.R8D;
import static dev.keep.shim.asm.Reg.R9;
import static dev.keep.shim.asm.Reg.R9D;
import static dev.keep.shim.asm.Reg.RAX;
import static dev.keep.shim.asm.Reg.RBX;
import static dev.keep.shim.asm.Reg.RCX;
import static dev.keep.shim.asm.Reg.RDI;
import static dev.keep.shim.asm.Reg.RDX;
import static dev.keep.shim.asm.Reg.RSI;
import static dev.keep.shim.asm.Reg.RSP;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Width;
import java.util.List;

/**
 * Emits the keep's #VC handler (vector 29) for SEV-SNP: the CPU raises #VC instead of exiting to the
 * hypervisor, with the SVM exit code as error code. Two events are served, everything else goes to
 * the {@code unhandled} label with the stack exactly as the CPU left it (so the ordinary fault stub
 * of vector 29 can report it):
 *
 * <ul>
 *   <li>CPUID (0x72): answered from the firmware-checked CPUID page (through the lookup of
 *       {@link CpuidPageEmitter}, never from the hypervisor); RIP moves past the 2-byte instruction.</li>
 *   <li>IOIO (0x7B), only the doorbell forms {@code out imm8, al|eax} and {@code out dx, al|eax}:
 *       forwarded through the GHCB (exit code 0x7B, exit_info_1 = port, size, OUT; rax valid), after
 *       setting MSR 0xC0010130 to the GHCB's guest-physical address. A non-zero result in
 *       sw_exit_info_1 counts as unhandled. Any other I/O instruction is unhandled.</li>
 *   <li>With an {@link AttestationService}: the same {@code out} forms to {@link AttestationCall#PORT}
 *       from ring 3 are an attestation-report request, served in ring 0 (see the overload of
 *       {@code emit}) instead of being forwarded.</li>
 * </ul>
 *
 * The CPUID and doorbell paths use general-purpose instructions only; every register the handler
 * touches is restored, except RAX, which carries an attestation request's result, and the xmm
 * registers the attestation path's AES-GCM uses. It reads the faulting instruction's bytes through
 * RIP, so code pages must be readable at CPL0. Needs SEV-SNP hardware to run; tests check it by
 * disassembly, and run its CPUID and attestation paths natively through a #VC frame.
 */
public final class VcHandlerEmitter {
    /** Registers saved on entry, in push order. */
    private static final List<Gpr> SAVED = List.of(RAX, RBX, RCX, RDX, RSI, RDI, R8, R9, R10, R11);
    private static final int SAVED_BYTES = SAVED.size() * 8;
    private static final int ERROR_CODE = SAVED_BYTES;
    private static final int RIP = SAVED_BYTES + 8;
    /** Scratch for the four CPUID outputs, below the saved registers. */
    private static final int SCRATCH = 16;

    private static final int OUT_IMM8_AL = 0xE6;
    private static final int OUT_IMM8_EAX = 0xE7;
    private static final int OUT_DX_AL = 0xEE;
    private static final int OUT_DX_EAX = 0xEF;

    private final Assembler a;
    private final Label unhandled;
    /** Null when the handler does not serve attestation requests. */
    private final AttestationService attestation;
    /** Entry of the attestation path (bound after the handler's iretq). */
    private final Label attest;

    private VcHandlerEmitter(Assembler a, Label unhandled, AttestationService attestation) {
        this.a = a;
        this.unhandled = unhandled;
        this.attestation = attestation;
        this.attest = a.newLabel();
    }

    /**
     * Emits the handler and returns its entry (the IDT gate of vector 29 points there).
     *
     * @param cpuidPage   virtual address of the CPUID page
     * @param ghcb        virtual address of the GHCB page (mapped shared)
     * @param ghcbPhys    guest-physical address of the GHCB page (as registered)
     * @param cpuidLookup the lookup routine of {@link CpuidPageEmitter}
     * @param unhandled   where events it does not serve go, error code still on the stack
     */
    public static Label emit(Assembler a, long cpuidPage, long ghcb, long ghcbPhys, Label cpuidLookup,
                             Label unhandled) {
        return new VcHandlerEmitter(a, unhandled, null).handler(cpuidPage, ghcb, ghcbPhys, cpuidLookup);
    }

    /**
     * As {@link #emit(Assembler, long, long, long, Label, Label)}, and an {@code out} to
     * {@link AttestationCall#PORT} from ring 3 is served as an attestation-report request instead of
     * being forwarded: ring 3's offsets (EDI report data, ESI destination) are checked against the
     * service's linear memory; the 64 bytes of report data are copied to the #VC stack (private),
     * the request is built from that copy, exchanged, and the response opened straight into the
     * destination. The result ({@link AttestationCall}) goes to the interrupted EAX (sign-extended to
     * RAX) and RIP moves past the {@code out}. The same port from ring 0 is unhandled.
     */
    public static Label emit(Assembler a, long cpuidPage, long ghcb, long ghcbPhys, Label cpuidLookup,
                             Label unhandled, AttestationService attestation) {
        return new VcHandlerEmitter(a, unhandled, attestation)
                .handler(cpuidPage, ghcb, ghcbPhys, cpuidLookup);
    }

    private Label handler(long cpuidPage, long ghcb, long ghcbPhys, Label cpuidLookup) {
        Label entry = a.newLabel();
        Label cpuid = a.newLabel();
        Label ioio = a.newLabel();
        Label giveUp = a.newLabel();
        Label resume = a.newLabel();
        a.bind(entry);
        for (Gpr r : SAVED) {
            a.push(r);
        }
        a.mov(RAX, frame(ERROR_CODE));
        a.cmp(RAX, SnpLayout.EXIT_CPUID);
        a.jcc(Cond.E, cpuid);
        a.cmp(RAX, SnpLayout.EXIT_IOIO);
        a.jcc(Cond.E, ioio);
        a.bind(giveUp);
        restore();
        a.jmp(unhandled);

        a.bind(cpuid);
        cpuid(cpuidPage, cpuidLookup);
        a.jmp(resume);

        a.bind(ioio);
        ioio(ghcb, ghcbPhys, giveUp);

        a.bind(resume);
        restore();
        a.add(RSP, 8);
        a.iretq();
        if (attestation != null) {
            a.bind(attest);
            attestation(giveUp, resume);
        }
        return entry;
    }

    /** Bytes the attestation path adds below the saved registers: r9 and the report-data copy. */
    private static final int ATTEST_FRAME = 8 + 72;
    private static final int CS = RIP + 8;

    /**
     * The attestation request (r9 = length of the {@code out}). Ring 3 is never trusted: the
     * offsets are read as 32-bit values (zero-extended) and each range's end is compared with the
     * mapped linear memory in 64 bits, so nothing wraps and ring 0 only ever touches the payload's
     * user pages there. The stack stays 16-byte aligned at each call (IST entry aligns it, the
     * CPU's frame, the saved registers and this frame are all multiples of 16).
     */
    private void attestation(Label giveUp, Label resume) {
        Label bad = a.newLabel();
        Label done = a.newLabel();
        Label opened = a.newLabel();
        Label store = a.newLabel();
        a.mov(EAX, frame(CS));
        a.and(EAX, 3);
        a.cmp(EAX, 3);
        a.jcc(Cond.NE, giveUp);
        a.mov(R11, attestation.linearMemoryBytes());
        a.mov(EAX, frame(savedSlot(RDI)));
        a.lea(RCX, Mem.base(RAX).disp(AttestationCall.REPORT_DATA_SIZE));
        a.cmp(RCX, R11);
        a.jcc(Cond.A, bad);
        a.mov(EAX, frame(savedSlot(RSI)));
        a.lea(RCX, Mem.base(RAX).disp(AttestationCall.REPORT_SIZE));
        a.cmp(RCX, R11);
        a.jcc(Cond.A, bad);

        // The report data is copied into private memory before the request is built from it.
        a.push(R9);
        a.sub(RSP, ATTEST_FRAME - 8);
        a.cld();
        a.mov(ESI, Mem.base(RSP).disp(ATTEST_FRAME + savedSlot(RDI)));
        a.mov(RAX, attestation.linearMemory());
        a.add(RSI, RAX);
        a.mov(RDI, RSP);
        a.mov(ECX, AttestationCall.REPORT_DATA_SIZE);
        a.repMovsb();
        a.mov(RDI, attestation.stateBlock());
        a.mov(RSI, RSP);
        a.call(attestation.buildReportRequest());
        a.test(EAX, EAX);
        a.mov(EAX, AttestationCall.REFUSED);
        a.jcc(Cond.NE, done);
        a.call(attestation.exchange());
        a.test(EAX, EAX);
        a.mov(EAX, AttestationCall.FIRMWARE_ERROR);
        a.jcc(Cond.NE, done);
        a.mov(RDI, attestation.stateBlock());
        a.mov(ESI, Mem.base(RSP).disp(ATTEST_FRAME + savedSlot(RSI)));
        a.mov(RAX, attestation.linearMemory());
        a.add(RSI, RAX);
        a.call(attestation.openReportResponse());
        a.test(EAX, EAX);
        a.jcc(Cond.E, opened);
        a.cmp(EAX, GuestRequestStatus.FIRMWARE_ERROR.code());
        a.mov(EAX, AttestationCall.FIRMWARE_ERROR);
        a.jcc(Cond.E, done);
        a.mov(EAX, AttestationCall.REFUSED);
        a.jmp(done);
        a.bind(opened);
        a.mov(EAX, AttestationCall.REPORT_SIZE);
        a.bind(done);
        a.add(RSP, ATTEST_FRAME - 8);
        a.pop(R9);
        a.jmp(store);
        a.bind(bad);
        a.mov(EAX, AttestationCall.BAD_POINTER);
        a.bind(store);
        a.movsxd(RAX, EAX);
        a.mov(frame(savedSlot(RAX)), RAX);
        a.add(frame(RIP), R9);
        a.jmp(resume);
    }

    private void cpuid(long cpuidPage, Label cpuidLookup) {
        a.sub(RSP, SCRATCH);
        a.mov(RDI, cpuidPage);
        a.mov(ESI, Mem.base(RSP).disp(SCRATCH + savedSlot(RAX)));
        a.mov(EDX, Mem.base(RSP).disp(SCRATCH + savedSlot(RCX)));
        a.mov(RCX, RSP);
        a.call(cpuidLookup);
        // CPUID writes 32-bit results zero-extended into the 64-bit registers.
        List<Gpr> outputs = List.of(RAX, RBX, RCX, RDX);
        for (int i = 0; i < 4; i++) {
            a.mov(EAX, Mem.base(RSP).disp(4 * i));
            a.mov(Mem.base(RSP).disp(SCRATCH + savedSlot(outputs.get(i))), RAX);
        }
        a.add(RSP, SCRATCH);
        a.add(Width.QWORD, frame(RIP), 2);
    }

    private void ioio(long ghcb, long ghcbPhys, Label giveUp) {
        Label byImm8Eax = a.newLabel();
        Label byImm8Al = a.newLabel();
        Label byDxEax = a.newLabel();
        Label byDxAl = a.newLabel();
        Label forward = a.newLabel();
        Label wide = a.newLabel();
        // ecx = port, r8d = operand-size bit of exit_info_1, r9d = instruction length.
        a.mov(RSI, frame(RIP));
        a.movzx(EAX, Width.BYTE, Mem.base(RSI));
        a.cmp(EAX, OUT_IMM8_EAX);
        a.jcc(Cond.E, byImm8Eax);
        a.cmp(EAX, OUT_IMM8_AL);
        a.jcc(Cond.E, byImm8Al);
        a.cmp(EAX, OUT_DX_EAX);
        a.jcc(Cond.E, byDxEax);
        a.cmp(EAX, OUT_DX_AL);
        a.jcc(Cond.E, byDxAl);
        a.jmp(giveUp);
        a.bind(byImm8Eax);
        portAndSize(true, true, forward);
        a.bind(byImm8Al);
        portAndSize(true, false, forward);
        a.bind(byDxEax);
        portAndSize(false, true, forward);
        a.bind(byDxAl);
        portAndSize(false, false, forward);

        a.bind(forward);
        if (attestation != null) {
            a.cmp(ECX, AttestationCall.PORT);
            a.jcc(Cond.E, attest);
        }
        a.mov(EAX, frame(savedSlot(RAX)));
        a.cmp(R8D, SnpLayout.IOIO_SIZE_32);
        a.jcc(Cond.E, wide);
        a.movzx(EAX, Width.BYTE, frame(savedSlot(RAX)));
        a.bind(wide);
        a.mov(RDI, ghcb);
        a.mov(Width.QWORD, ghcbField(SnpLayout.GHCB_VALID_BITMAP), 0);
        a.mov(Width.QWORD, ghcbField(SnpLayout.GHCB_VALID_BITMAP + 8), 0);
        a.mov(ghcbField(SnpLayout.GHCB_RAX), RAX);
        a.mov(Width.QWORD, ghcbField(SnpLayout.GHCB_SW_EXIT_CODE), SnpLayout.EXIT_IOIO);
        a.shl(ECX, SnpLayout.IOIO_PORT_SHIFT);
        a.or(ECX, R8D);
        a.mov(ghcbField(SnpLayout.GHCB_SW_EXIT_INFO_1), RCX);
        a.mov(Width.QWORD, ghcbField(SnpLayout.GHCB_SW_EXIT_INFO_2), 0);
        GhcbExit.emit(a, new int[] {SnpLayout.GHCB_RAX, SnpLayout.GHCB_SW_EXIT_CODE,
            SnpLayout.GHCB_SW_EXIT_INFO_1, SnpLayout.GHCB_SW_EXIT_INFO_2}, ghcbPhys, giveUp);
        a.add(frame(RIP), R9);
    }

    private void portAndSize(boolean immediatePort, boolean wide, Label forward) {
        if (immediatePort) {
            a.movzx(ECX, Width.BYTE, Mem.base(RSI).disp(1));
        } else {
            a.movzx(ECX, Width.WORD, frame(savedSlot(RDX)));
        }
        a.mov(R8D, wide ? SnpLayout.IOIO_SIZE_32 : SnpLayout.IOIO_SIZE_8);
        a.mov(R9D, immediatePort ? 2 : 1);
        a.jmp(forward);
    }

    private void restore() {
        for (int i = SAVED.size() - 1; i >= 0; i--) {
            a.pop(SAVED.get(i));
        }
    }

    /** Offset of a saved register from rsp right after the pushes. */
    private static int savedSlot(Gpr r) {
        return (SAVED.size() - 1 - SAVED.indexOf(r)) * 8;
    }

    private static Mem frame(int offset) {
        return Mem.base(RSP).disp(offset);
    }

    private static Mem ghcbField(int offset) {
        return GhcbExit.field(offset);
    }
}
