package dev.keep.shim.image;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.snp.AesGcmEmitter;
import dev.keep.shim.snp.AttestationService;
import dev.keep.shim.snp.CpuidPageEmitter;
import dev.keep.shim.snp.GhcbMsrProtocolEmitter;
import dev.keep.shim.snp.GuestRequestEmitter;
import dev.keep.shim.snp.GuestRequestExchangeEmitter;
import dev.keep.shim.snp.VcHandlerEmitter;
import java.util.List;

/**
 * The ring-0 code only an SEV-SNP keep has, assembled for {@link KeepLayout#SNP_CODE_ADDRESS}: the
 * CPUID-page routines, GHCB registration, the #VC handler, the boot code the vCPU starts in, and
 * the guest-request routines with the AES-256-GCM they use, and the GHCB exchange the #VC handler
 * runs them with when ring 3 asks for an attestation report ({@code AttestationCall}).
 *
 * <p>Boot (CPL0, on the ring-0 stack, interrupts off): register the GHCB with the MSR protocol,
 * read the C-bit position from the CPUID page and compare it with the one the page tables were
 * built with, then clear every general register and {@code iretq} to the runtime's entry at CPL3
 * with the same RSP and RFLAGS a plain keep starts with. Any failure asks the hypervisor to
 * terminate the keep (GHCB MSR protocol) instead of running with memory that is not private.
 */
public final class SnpRing0Code {
    private SnpRing0Code() {
    }

    /**
     * The assembled code and the addresses of its routines.
     *
     * @param code bytes to place at {@link KeepLayout#SNP_CODE_ADDRESS}
     * @param boot where the vCPU starts (the entry state's RIP)
     * @param vcHandler the #VC handler (IDT vector 29)
     * @param ghcbRegistration GHCB registration over the MSR protocol (System V, rdi = GHCB GPA)
     * @param cpuidLookup CPUID-page lookup used by the #VC handler
     * @param cBitPosition reads the C-bit position from the CPUID page (System V, rdi = page)
     * @param buildReportRequest guest request: build MSG_REPORT_REQ (rdi = state block)
     * @param openReportResponse guest request: check and open MSG_REPORT_RSP (rdi = state block)
     * @param guestRequestExchange guest request: the GHCB exchange of the shared pages (VMGEXIT)
     */
    public record Assembled(byte[] code, long boot, long vcHandler, long ghcbRegistration,
            long cpuidLookup, long cBitPosition, long buildReportRequest,
            long openReportResponse, long guestRequestExchange) {
        public Assembled {
            code = code.clone();
        }

        @Override
        public byte[] code() {
            return code.clone();
        }
    }

    /** General registers the boot code clears before it enters CPL3 (RSP is set by iretq). */
    private static final List<Gpr> CLEARED = List.of(Reg.EAX, Reg.EBX, Reg.ECX, Reg.EDX, Reg.ESI,
            Reg.EDI, Reg.EBP, Reg.R8D, Reg.R9D, Reg.R10D, Reg.R11D, Reg.R12D, Reg.R13D, Reg.R14D,
            Reg.R15D);

    /**
     * Assembles the code.
     *
     * @param cBitPosition the C-bit position the page tables carry
     * @param userEntry the runtime's entry point (CPL3 RIP after boot)
     * @param vcFaultStub the ordinary fault stub of vector 29, where unserved #VC events go
     * @param linearMemoryBytes the committed linear memory the image maps: the range the #VC
     *     handler checks ring 3's attestation buffers against
     */
    static Assembled assemble(int cBitPosition, long userEntry, long vcFaultStub,
            long linearMemoryBytes) {
        Assembler a = new Assembler(KeepLayout.SNP_CODE_ADDRESS);
        CpuidPageEmitter.Routines cpuid = CpuidPageEmitter.emit(a);
        a.align(16);
        Label register = GhcbMsrProtocolEmitter.emitRegistration(a);

        // The guest request first: the #VC handler's attestation path calls these routines.
        a.align(16);
        AesGcmEmitter.Routines gcm = AesGcmEmitter.emit(a);
        a.align(16);
        GuestRequestEmitter.Routines request = GuestRequestEmitter.emit(a, gcm);
        a.align(16);
        Label exchange = GuestRequestExchangeEmitter.emit(a, KeepLayout.SNP_GHCB_ADDRESS,
                KeepLayout.SNP_GHCB_ADDRESS, KeepLayout.GUEST_REQUEST_PAGE_ADDRESS,
                KeepLayout.GUEST_RESPONSE_PAGE_ADDRESS);
        AttestationService attestation = new AttestationService(KeepLayout.LINEAR_MEMORY_ADDRESS,
                linearMemoryBytes, KeepLayout.GUEST_REQUEST_STATE_ADDRESS,
                request.buildReportRequest(), exchange, request.openReportResponse());

        // #VC events the handler does not serve continue in the vector-29 fault stub, with the
        // stack as the CPU left it; the stub's address is a qword next to the jump.
        Label unhandled = a.newLabel();
        Label stubAddress = a.newLabel();
        a.align(16);
        Label vc = VcHandlerEmitter.emit(a, KeepLayout.SNP_CPUID_ADDRESS,
                KeepLayout.SNP_GHCB_ADDRESS, KeepLayout.SNP_GHCB_ADDRESS, cpuid.lookup(),
                unhandled, attestation);
        a.bind(unhandled);
        a.jmp(Mem.rip(stubAddress));
        a.bind(stubAddress);
        a.dq(vcFaultStub);

        a.align(16);
        Label boot = a.newLabel();
        a.bind(boot);
        boot(a, cBitPosition, userEntry, register, cpuid.cBitPosition());
        byte[] code = a.finish();
        return new Assembled(code, address(a, boot), address(a, vc), address(a, register),
                address(a, cpuid.lookup()), address(a, cpuid.cBitPosition()),
                address(a, request.buildReportRequest()), address(a, request.openReportResponse()),
                address(a, exchange));
    }

    private static void boot(Assembler a, int cBitPosition, long userEntry, Label register,
            Label readCBit) {
        Label protocolUnsupported = a.newLabel();
        Label snpUnsupported = a.newLabel();
        Label refused = a.newLabel();
        Label cBitMismatch = a.newLabel();

        a.mov(Reg.RDI, KeepLayout.SNP_GHCB_ADDRESS);
        a.call(register);
        a.cmp(Reg.EAX, GhcbMsrProtocolEmitter.PROTOCOL_UNSUPPORTED);
        a.jcc(Cond.E, protocolUnsupported);
        a.cmp(Reg.EAX, GhcbMsrProtocolEmitter.SNP_UNSUPPORTED);
        a.jcc(Cond.E, snpUnsupported);
        a.test(Reg.EAX, Reg.EAX);
        a.jcc(Cond.NZ, refused);

        a.mov(Reg.RDI, KeepLayout.SNP_CPUID_ADDRESS);
        a.call(readCBit);
        a.cmp(Reg.EAX, cBitPosition);
        a.jcc(Cond.NE, cBitMismatch);

        // The iretq frame: SS, RSP, RFLAGS, CS, RIP of the runtime's entry at CPL3.
        a.push(Gdt.USER_DS);
        a.push(KeepLayout.USER_STACK_TOP);
        a.push(KeepImageBuilder.RFLAGS);
        a.push(Gdt.USER_CS);
        a.mov(Reg.RAX, userEntry);
        a.push(Reg.RAX);
        // The payload starts with every general register zero, as in a plain keep.
        for (Gpr r : CLEARED) {
            a.xor(r, r);
        }
        a.iretq();

        a.bind(protocolUnsupported);
        GhcbMsrProtocolEmitter.emitTerminate(a, GhcbMsrProtocolEmitter.TERM_PROTOCOL_UNSUPPORTED);
        a.bind(snpUnsupported);
        GhcbMsrProtocolEmitter.emitTerminate(a, GhcbMsrProtocolEmitter.TERM_SNP_UNSUPPORTED);
        a.bind(refused);
        GhcbMsrProtocolEmitter.emitTerminate(a, GhcbMsrProtocolEmitter.TERM_GENERAL);
        a.bind(cBitMismatch);
        GhcbMsrProtocolEmitter.emitTerminate(a, GhcbMsrProtocolEmitter.TERM_SET_KEEP,
                GhcbMsrProtocolEmitter.TERM_KEEP_C_BIT_MISMATCH);
    }

    private static long address(Assembler a, Label label) {
        return a.origin() + a.offsetOf(label);
    }
}
