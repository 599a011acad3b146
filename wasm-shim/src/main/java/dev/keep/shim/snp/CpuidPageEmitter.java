package dev.keep.shim.snp;

import static dev.keep.shim.asm.Reg.EAX;
import static dev.keep.shim.asm.Reg.EDX;
import static dev.keep.shim.asm.Reg.ESI;
import static dev.keep.shim.asm.Reg.R8D;
import static dev.keep.shim.asm.Reg.R9;
import static dev.keep.shim.asm.Reg.R9D;
import static dev.keep.shim.asm.Reg.RCX;
import static dev.keep.shim.asm.Reg.RDI;
import static dev.keep.shim.asm.Reg.RSP;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Width;
import java.util.List;

/**
 * Emits the keep's reading of the SNP CPUID page: under SNP a CPUID instruction traps (#VC) and must
 * be answered from this firmware-checked table, never from the hypervisor.
 *
 * <ul>
 *   <li>lookup, System V: {@code rdi} = CPUID page, {@code esi} = leaf, {@code edx} = sub-leaf,
 *       {@code rcx} = where to write eax, ebx, ecx, edx (four u32). Returns eax = 1 when the page has
 *       the entry, else 0 with the four outputs zero (what CPUID answers for a leaf it lacks). For a
 *       leaf not in {@link #INDEXED_LEAVES} the sub-leaf is ignored (the page stores 0 there). At
 *       most 64 entries are read whatever the count says. Uses only rax, rdx, rsi, r8, r9 and the
 *       output; general-purpose instructions only, so the #VC handler can call it at CPL0.</li>
 *   <li>C-bit position, System V: {@code rdi} = CPUID page; returns eax = EBX[5:0] of leaf
 *       0x8000001F, or -1 when the page lacks that leaf or its SEV bit (EAX bit 1) is clear.</li>
 * </ul>
 */
public final class CpuidPageEmitter {
    /** Entry points of the emitted routines. */
    public record Routines(Label lookup, Label cBitPosition) {
    }

    /** Leaves whose answer depends on ECX (the rest are stored with ecx_in = 0). */
    public static final List<Integer> INDEXED_LEAVES = List.of(0x4, 0x7, 0xB, 0xD, 0xF, 0x10, 0x12, 0x14, 0x17,
        0x18, 0x1D, 0x1E, 0x1F, 0x20, 0x23, 0x24, 0x8000_001D, 0x8000_0020, 0x8000_0026);

    private CpuidPageEmitter() {
    }

    public static Routines emit(Assembler a) {
        Label lookup = a.newLabel();
        Label cBit = a.newLabel();
        a.bind(lookup);
        lookup(a);
        a.align(16);
        a.bind(cBit);
        cBitPosition(a, lookup);
        return new Routines(lookup, cBit);
    }

    private static void lookup(Assembler a) {
        Label indexed = a.newLabel();
        Label loop = a.newLabel();
        Label next = a.newLabel();
        Label notFound = a.newLabel();
        for (int leaf : INDEXED_LEAVES) {
            a.cmp(ESI, leaf);
            a.jcc(Cond.E, indexed);
        }
        a.xor(EDX, EDX);
        a.bind(indexed);
        a.mov(R8D, Mem.base(RDI).disp(SnpLayout.CPUID_COUNT));
        a.mov(R9D, SnpLayout.CPUID_MAX_ENTRIES);
        a.cmp(R8D, R9D);
        a.cmovcc(Cond.A, R8D, R9D);
        a.lea(R9, Mem.base(RDI).disp(SnpLayout.CPUID_ENTRIES));
        a.bind(loop);
        a.test(R8D, R8D);
        a.jcc(Cond.Z, notFound);
        a.cmp(Mem.base(R9).disp(SnpLayout.CPUID_ENTRY_EAX_IN), ESI);
        a.jcc(Cond.NE, next);
        a.cmp(Mem.base(R9).disp(SnpLayout.CPUID_ENTRY_ECX_IN), EDX);
        a.jcc(Cond.NE, next);
        int[] fields = {SnpLayout.CPUID_ENTRY_EAX, SnpLayout.CPUID_ENTRY_EBX, SnpLayout.CPUID_ENTRY_ECX,
            SnpLayout.CPUID_ENTRY_EDX};
        for (int i = 0; i < 4; i++) {
            a.mov(EAX, Mem.base(R9).disp(fields[i]));
            a.mov(Mem.base(RCX).disp(4 * i), EAX);
        }
        a.mov(EAX, 1);
        a.ret();
        a.bind(next);
        a.add(R9, SnpLayout.CPUID_ENTRY_SIZE);
        a.dec(R8D);
        a.jmp(loop);
        a.bind(notFound);
        for (int i = 0; i < 4; i++) {
            a.mov(Width.DWORD, Mem.base(RCX).disp(4 * i), 0);
        }
        a.xor(EAX, EAX);
        a.ret();
    }

    private static void cBitPosition(Assembler a, Label lookup) {
        Label absent = a.newLabel();
        a.sub(RSP, 24);
        a.mov(RCX, RSP);
        a.mov(ESI, SnpLayout.CPUID_LEAF_MEMORY_ENCRYPTION);
        a.xor(EDX, EDX);
        a.call(lookup);
        a.test(EAX, EAX);
        a.jcc(Cond.Z, absent);
        a.test(Width.DWORD, Mem.base(RSP), 1 << 1);
        a.jcc(Cond.Z, absent);
        a.mov(EAX, Mem.base(RSP).disp(4));
        a.and(EAX, 0x3F);
        a.add(RSP, 24);
        a.ret();
        a.bind(absent);
        a.mov(EAX, -1);
        a.add(RSP, 24);
        a.ret();
    }
}
