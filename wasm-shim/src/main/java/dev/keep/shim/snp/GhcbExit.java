package dev.keep.shim.snp;

import static dev.keep.shim.asm.Reg.ECX;
import static dev.keep.shim.asm.Reg.RAX;
import static dev.keep.shim.asm.Reg.RDI;
import static dev.keep.shim.asm.Reg.RDX;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Width;

/**
 * The tail every GHCB-protocol exit shares (GHCB specification, "GHCB Layout" and the NAE event
 * sequence): mark the fields the guest filled as valid, stamp the protocol version and usage, put
 * the GHCB's guest-physical address in the GHCB MSR, VMGEXIT, and leave for {@code failed} when the
 * hypervisor's SW_EXITINFO1 reports an error. RDI holds the GHCB's address throughout.
 */
final class GhcbExit {
    private GhcbExit() {}

    /** A field of the GHCB (RDI = its address). */
    static Mem field(int offset) {
        return Mem.base(RDI).disp(offset);
    }

    /**
     * @param validFields the GHCB offsets the caller filled, each marked in the valid bitmap
     * @param ghcbPhys the GHCB's guest-physical address, as registered
     * @param failed where to go when SW_EXITINFO1 is not 0 after the exit
     */
    static void emit(Assembler a, int[] validFields, long ghcbPhys, Label failed) {
        for (int offset : validFields) {
            int bit = offset / 8;
            a.bts(Width.QWORD, field(SnpLayout.GHCB_VALID_BITMAP + bit / 64 * 8), bit % 64);
        }
        a.mov(Width.WORD, field(SnpLayout.GHCB_PROTOCOL_VERSION_FIELD), SnpLayout.GHCB_PROTOCOL_VERSION);
        a.mov(Width.DWORD, field(SnpLayout.GHCB_USAGE), 0);
        a.mov(ECX, SnpLayout.MSR_GHCB);
        a.mov(RAX, ghcbPhys);
        a.mov(RDX, RAX);
        a.shr(RDX, 32);
        a.wrmsr();
        a.vmgexit();
        a.cmp(Width.DWORD, field(SnpLayout.GHCB_SW_EXIT_INFO_1), 0);
        a.jcc(Cond.NE, failed);
    }
}
