package dev.keep.shim.snp;

import static dev.keep.shim.asm.Reg.EAX;
import static dev.keep.shim.asm.Reg.ECX;
import static dev.keep.shim.asm.Reg.EDI;
import static dev.keep.shim.asm.Reg.EDX;
import static dev.keep.shim.asm.Reg.ESI;
import static dev.keep.shim.asm.Reg.RAX;
import static dev.keep.shim.asm.Reg.RDI;
import static dev.keep.shim.asm.Reg.RDX;
import static dev.keep.shim.asm.Reg.RSI;
import static dev.keep.shim.asm.Reg.DX;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;

/**
 * Emits the GHCB MSR protocol steps a keep takes at CPL0 before it can use a GHCB (sev-snp.md §5.2):
 * protocol negotiation, GHCB registration, and termination. General-purpose instructions only.
 * These need SEV-SNP hardware to run; tests check them by disassembly.
 *
 * <p>register, System V: {@code rdi} = guest-physical address of the GHCB page (4 KiB aligned, already
 * mapped shared, i.e. with the C-bit clear). Returns eax = 0 when registered, after which MSR
 * 0xC0010130 holds that address for the full GHCB protocol; 1 when the address is not page aligned;
 * 2 when the hypervisor's protocol range does not include version 2; 3 when it refused the
 * registration; 4 when its feature bits lack SEV-SNP. Clobbers rax, rcx, rdx, rsi.
 */
public final class GhcbMsrProtocolEmitter {
    public static final int REGISTERED = 0;
    public static final int NOT_PAGE_ALIGNED = 1;
    public static final int PROTOCOL_UNSUPPORTED = 2;
    public static final int REGISTRATION_REFUSED = 3;
    public static final int SNP_UNSUPPORTED = 4;
    /** GHCB termination reason set 0, code 1: "GHCB protocol version not supported". */
    public static final int TERM_PROTOCOL_UNSUPPORTED = 1;
    /** GHCB termination reason set 0, code 0: general. */
    public static final int TERM_GENERAL = 0;
    /** GHCB termination reason set 0, code 2: "SEV-SNP not supported" by the hypervisor. */
    public static final int TERM_SNP_UNSUPPORTED = 2;
    /** The GHCB reason set of the keep's own termination reasons (set 0 is the GHCB spec's). */
    public static final int TERM_SET_KEEP = 1;
    /**
     * Keep reason 1: the C-bit position in the CPUID page differs from the one the page tables
     * were built with (the keep's private memory would not be private).
     */
    public static final int TERM_KEEP_C_BIT_MISMATCH = 1;

    private GhcbMsrProtocolEmitter() {
    }

    /** Emits the registration routine and returns its entry. */
    public static Label emitRegistration(Assembler a) {
        Label entry = a.newLabel();
        Label done = a.newLabel();
        Label refused = a.newLabel();
        a.bind(entry);
        a.mov(EAX, NOT_PAGE_ALIGNED);
        a.test(EDI, 0xFFF);
        a.jcc(Cond.NZ, done);

        // SEV information: [63:48] highest and [47:32] lowest protocol version the hypervisor speaks.
        msrRequest(a, SnpLayout.GHCB_SEV_INFO_REQ, 0);
        a.mov(ESI, EAX);
        a.and(ESI, SnpLayout.GHCB_INFO_MASK);
        a.mov(EAX, PROTOCOL_UNSUPPORTED);
        a.cmp(ESI, SnpLayout.GHCB_SEV_INFO_RESP);
        a.jcc(Cond.NE, done);
        a.mov(ESI, EDX);
        a.shr(ESI, 16);
        a.cmp(ESI, SnpLayout.GHCB_PROTOCOL_VERSION);
        a.jcc(Cond.B, done);
        a.movzx(ESI, DX);
        a.cmp(ESI, SnpLayout.GHCB_PROTOCOL_VERSION);
        a.jcc(Cond.A, done);

        // Hypervisor features: bit 0 of [63:12] says it supports SEV-SNP guests.
        msrRequest(a, SnpLayout.GHCB_HV_FT_REQ, 0);
        a.mov(ESI, EAX);
        a.and(ESI, SnpLayout.GHCB_INFO_MASK);
        a.cmp(ESI, SnpLayout.GHCB_HV_FT_RESP);
        a.mov(ESI, EAX);
        a.mov(EAX, SNP_UNSUPPORTED);
        a.jcc(Cond.NE, done);
        a.test(ESI, 1 << 12);
        a.jcc(Cond.Z, done);

        // Register the GHCB: request GFN in [63:12]; the answer must echo it.
        a.mov(RAX, RDI);
        a.or(RAX, SnpLayout.GHCB_REG_GPA_REQ);
        a.mov(RDX, RAX);
        a.shr(RDX, 32);
        a.mov(ECX, SnpLayout.MSR_GHCB);
        a.wrmsr();
        a.vmgexit();
        a.rdmsr();
        a.shl(RDX, 32);
        a.or(RAX, RDX);
        a.mov(RSI, RAX);
        a.and(ESI, SnpLayout.GHCB_INFO_MASK);
        a.cmp(ESI, SnpLayout.GHCB_REG_GPA_RESP);
        a.jcc(Cond.NE, refused);
        a.shr(RAX, 12);
        a.mov(RSI, RDI);
        a.shr(RSI, 12);
        a.cmp(RAX, RSI);
        a.jcc(Cond.NE, refused);

        // From now on the MSR holds the GHCB's address (the full protocol's normal state).
        a.mov(EAX, EDI);
        a.mov(RDX, RDI);
        a.shr(RDX, 32);
        a.mov(ECX, SnpLayout.MSR_GHCB);
        a.wrmsr();
        a.xor(EAX, EAX);
        a.jmp(done);
        a.bind(refused);
        a.mov(EAX, REGISTRATION_REFUSED);
        a.bind(done);
        a.ret();
        return entry;
    }

    /**
     * Emits an inline request to terminate the keep (reason set 0, {@code reasonCode}); if the
     * hypervisor resumes anyway the code halts forever.
     */
    public static void emitTerminate(Assembler a, int reasonCode) {
        emitTerminate(a, 0, reasonCode);
    }

    /** As {@link #emitTerminate(Assembler, int)} with reason set {@code reasonSet} (0..15). */
    public static void emitTerminate(Assembler a, int reasonSet, int reasonCode) {
        if (reasonCode < 0 || reasonCode > 0xFF) {
            throw new IllegalArgumentException("GHCB termination reason code " + reasonCode + " is not in 0..255");
        }
        if (reasonSet < 0 || reasonSet > 0xF) {
            throw new IllegalArgumentException("GHCB termination reason set " + reasonSet + " is not in 0..15");
        }
        Label halt = a.newLabel();
        msrRequest(a, SnpLayout.GHCB_TERM_REQ | reasonSet << 12 | reasonCode << 16, 0);
        a.bind(halt);
        a.hlt();
        a.jmp(halt);
    }

    /** MSR protocol round trip: edx:eax = request, vmgexit, edx:eax = response. Clobbers ecx. */
    private static void msrRequest(Assembler a, int low, int high) {
        a.mov(ECX, SnpLayout.MSR_GHCB);
        a.mov(EAX, low);
        a.mov(EDX, high);
        a.wrmsr();
        a.vmgexit();
        a.rdmsr();
    }
}
