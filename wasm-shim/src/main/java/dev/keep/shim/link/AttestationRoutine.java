package dev.keep.shim.link;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import dev.keep.shim.compiler.ContextLayout;
import dev.keep.shim.snp.AttestationCall;

/**
 * The ring-3 routine behind {@code keep.attestation_report(report_data_ptr, out_ptr, out_len)},
 * called as a host function like the WASI routines ({@code RDI} = context, {@code RSI} = slots,
 * argument j in {@code slots[2 - j]}, the i32 result in {@code slots[2]}, 0 in EAX).
 *
 * <p>It first checks the two buffers against the current linear memory size (64-bit sums of
 * zero-extended offsets, so nothing wraps): {@link AttestationCall#BAD_POINTER} when either is
 * outside it, {@link AttestationCall#BUFFER_TOO_SMALL} when out_len cannot hold a report. Then:
 *
 * <ul>
 *   <li>in a plain keep there is no hardware root to ask: {@link AttestationCall#NO_HARDWARE},
 *       without any exit;</li>
 *   <li>in an SNP keep ring 0 holds the GHCB, the secrets page and VMGEXIT, so the routine asks
 *       it: EDI = report_data_ptr, ESI = out_ptr, {@code out} to {@link AttestationCall#PORT}; the
 *       #VC handler checks the offsets again itself and answers in EAX.</li>
 * </ul>
 */
final class AttestationRoutine {
    private static final int SLOTS = 3;

    private AttestationRoutine() {
    }

    /** Emits the routine at the current position; {@code snp} says which keep it is linked into. */
    static Label emit(Assembler a, boolean snp) {
        Label entry = a.newLabel();
        Label bad = a.newLabel();
        Label tooSmall = a.newLabel();
        Label result = a.newLabel();
        a.align(16);
        a.bind(entry);
        a.mov(Reg.R8, Mem.base(Reg.RDI).disp(ContextLayout.MEMORY));
        a.mov(Reg.R10, Mem.base(Reg.R8).disp(ContextLayout.MEMORY_BYTES));
        a.mov(Reg.R8, Reg.RSI);                          // slots, kept across the out
        a.mov(Reg.EDI, slot(0));                         // report_data_ptr
        a.mov(Reg.ESI, slot(1));                         // out_ptr
        a.mov(Reg.ECX, slot(2));                         // out_len
        a.lea(Reg.R11, Mem.base(Reg.RDI).disp(AttestationCall.REPORT_DATA_SIZE));
        a.cmp(Reg.R11, Reg.R10);
        a.jcc(Cond.A, bad);
        a.lea(Reg.R11, Mem.base(Reg.RSI, Reg.RCX, 1));
        a.cmp(Reg.R11, Reg.R10);
        a.jcc(Cond.A, bad);
        a.cmp(Reg.ECX, AttestationCall.REPORT_SIZE);
        a.jcc(Cond.B, tooSmall);
        // A plain keep's answer. In an SNP keep ring 0 replaces it (every other register comes
        // back as it was); should the out ever return without reaching the #VC handler, the
        // payload still gets an error rather than a stale register as a report length.
        a.mov(Reg.EAX, AttestationCall.NO_HARDWARE);
        if (snp) {
            // One byte wide: the I/O bitmap is checked for every port an access touches, and only
            // this one is open.
            a.out(AttestationCall.PORT, Reg.AL);
        }
        a.jmp(result);
        a.bind(bad);
        a.mov(Reg.EAX, AttestationCall.BAD_POINTER);
        a.jmp(result);
        a.bind(tooSmall);
        a.mov(Reg.EAX, AttestationCall.BUFFER_TOO_SMALL);
        a.bind(result);
        a.movsxd(Reg.RAX, Reg.EAX);
        a.mov(Mem.base(Reg.R8).disp(8 * (SLOTS - 1)), Reg.RAX);
        a.xor(Reg.EAX, Reg.EAX);
        a.ret();
        return entry;
    }

    /** Argument j of the call. */
    private static Mem slot(int j) {
        return Mem.base(Reg.R8).disp(8 * (SLOTS - 1 - j));
    }
}
