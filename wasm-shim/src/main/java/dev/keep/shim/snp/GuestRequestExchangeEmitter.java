package dev.keep.shim.snp;

import static dev.keep.shim.asm.Reg.EAX;
import static dev.keep.shim.asm.Reg.R8D;
import static dev.keep.shim.asm.Reg.RAX;
import static dev.keep.shim.asm.Reg.RDI;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Width;

/**
 * Emits the transport of one SNP guest request (sev-snp.md §5.4): the GHCB names the shared
 * request and response pages under the GUEST_REQUEST NAE event (sw_exit_code 0x8000_0011,
 * exit_info_1 = request page GPA, exit_info_2 = response page GPA), the GHCB MSR points at the GHCB,
 * VMGEXIT. The hypervisor's answer is checked: sw_exit_info_1 must be 0 (no GHCB-level error) and
 * sw_exit_info_2 0 (its upper half is the hypervisor's error, the lower the firmware's). BUSY is
 * answered by sending the same page again, at most {@link AttestationCall#BUSY_RETRIES} more times;
 * the request page is built once, so a retry never reuses a sequence number with other contents.
 *
 * <p>The routine takes no arguments (all addresses are the image's), returns 0 in eax when the
 * response page holds the PSP's answer and 1 otherwise; it clobbers rax, rcx, rdx, rdi and r8.
 * CPL0 only (wrmsr, VMGEXIT): needs SEV-SNP hardware to run.
 */
public final class GuestRequestExchangeEmitter {
    private GuestRequestExchangeEmitter() {
    }

    /**
     * Emits the routine at the current position and returns its entry.
     *
     * @param ghcb virtual address of the GHCB (mapped shared)
     * @param ghcbPhys its guest-physical address (as registered)
     * @param requestPageGpa guest-physical address of the shared request page
     * @param responsePageGpa guest-physical address of the shared response page
     */
    public static Label emit(Assembler a, long ghcb, long ghcbPhys, long requestPageGpa,
            long responsePageGpa) {
        Label entry = a.newLabel();
        Label retry = a.newLabel();
        Label failed = a.newLabel();
        Label answered = a.newLabel();
        a.bind(entry);
        a.mov(R8D, AttestationCall.BUSY_RETRIES + 1);
        a.bind(retry);
        // The hypervisor may have rewritten the shared GHCB since the last exit: fill it anew.
        a.mov(RDI, ghcb);
        a.mov(Width.QWORD, field(SnpLayout.GHCB_VALID_BITMAP), 0);
        a.mov(Width.QWORD, field(SnpLayout.GHCB_VALID_BITMAP + 8), 0);
        a.mov(RAX, SnpLayout.EXIT_SNP_GUEST_REQUEST);
        a.mov(field(SnpLayout.GHCB_SW_EXIT_CODE), RAX);
        a.mov(RAX, requestPageGpa);
        a.mov(field(SnpLayout.GHCB_SW_EXIT_INFO_1), RAX);
        a.mov(RAX, responsePageGpa);
        a.mov(field(SnpLayout.GHCB_SW_EXIT_INFO_2), RAX);
        GhcbExit.emit(a, new int[] {SnpLayout.GHCB_SW_EXIT_CODE, SnpLayout.GHCB_SW_EXIT_INFO_1,
            SnpLayout.GHCB_SW_EXIT_INFO_2}, ghcbPhys, failed);
        a.mov(RAX, field(SnpLayout.GHCB_SW_EXIT_INFO_2));
        a.test(RAX, RAX);
        a.jcc(Cond.E, answered);
        a.shr(RAX, 32);
        a.cmp(EAX, SnpLayout.GUEST_REQUEST_VMM_BUSY);
        a.jcc(Cond.NE, failed);
        a.dec(R8D);
        a.jcc(Cond.NE, retry);
        a.bind(failed);
        a.mov(EAX, 1);
        a.ret();
        a.bind(answered);
        a.xor(EAX, EAX);
        a.ret();
        return entry;
    }

    private static Mem field(int offset) {
        return GhcbExit.field(offset);
    }
}
