package dev.keep.shim.asm;

import static dev.keep.shim.asm.Operands.gprs;
import static dev.keep.shim.asm.Operands.ptr;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The system and miscellaneous instructions the ring-0 stubs and the runtime use, against GNU as. */
class SystemDifferentialTest {

    @Test
    void systemInstructions() throws Exception {
        List<AsmCase> cases = new ArrayList<>();
        for (Gpr acc : List.of(Reg.AL, Reg.AX, Reg.EAX)) {
            for (int port : new int[] {0, 0x60, 0x7F, 0x80, 0xFF}) {
                cases.add(new AsmCase("out " + port + ", " + acc, (a, t) -> a.out(port, acc)));
                cases.add(new AsmCase("in " + acc + ", " + port, (a, t) -> a.in(acc, port)));
            }
            cases.add(new AsmCase("out dx, " + acc, (a, t) -> a.out(Reg.DX, acc)));
            cases.add(new AsmCase("in " + acc + ", dx", (a, t) -> a.in(acc, Reg.DX)));
        }
        cases.add(new AsmCase("iretq", (a, t) -> a.iretq()));
        cases.add(new AsmCase("hlt", (a, t) -> a.hlt()));
        cases.add(new AsmCase("cli", (a, t) -> a.cli()));
        cases.add(new AsmCase("sti", (a, t) -> a.sti()));
        cases.add(new AsmCase("int3", (a, t) -> a.int3()));
        for (int v : new int[] {0, 3, 4, 0x80, 255}) {
            cases.add(new AsmCase("int " + v, (a, t) -> a.intN(v)));
        }
        cases.add(new AsmCase("ud2", (a, t) -> a.ud2()));
        cases.add(new AsmCase("rdtsc", (a, t) -> a.rdtsc()));
        cases.add(new AsmCase("rdtscp", (a, t) -> a.rdtscp()));
        cases.add(new AsmCase("cpuid", (a, t) -> a.cpuid()));
        cases.add(new AsmCase("rdmsr", (a, t) -> a.rdmsr()));
        cases.add(new AsmCase("wrmsr", (a, t) -> a.wrmsr()));
        cases.add(new AsmCase("vmgexit", (a, t) -> a.vmgexit()));
        cases.add(new AsmCase("pvalidate", (a, t) -> a.pvalidate()));
        cases.add(new AsmCase("swapgs", (a, t) -> a.swapgs()));
        cases.add(new AsmCase("lfence", (a, t) -> a.lfence()));
        cases.add(new AsmCase("mfence", (a, t) -> a.mfence()));
        cases.add(new AsmCase("sfence", (a, t) -> a.sfence()));
        cases.add(new AsmCase("pause", (a, t) -> a.pause()));
        cases.add(new AsmCase("rep stosb", (a, t) -> a.repStosb()));
        cases.add(new AsmCase("rep movsb", (a, t) -> a.repMovsb()));
        cases.add(new AsmCase("cld", (a, t) -> a.cld()));
        cases.add(new AsmCase("std", (a, t) -> a.std()));
        cases.add(new AsmCase("nop", (a, t) -> a.nop()));
        for (Width w : List.of(Width.WORD, Width.DWORD, Width.QWORD)) {
            for (Gpr r : gprs(w)) {
                cases.add(new AsmCase("rdrand " + r, (a, t) -> a.rdrand(r)));
                cases.add(new AsmCase("rdseed " + r, (a, t) -> a.rdseed(r)));
            }
        }
        for (ControlReg cr : ControlReg.values()) {
            for (Gpr r : gprs(Width.QWORD)) {
                cases.add(new AsmCase("mov " + cr.intelName() + ", " + r, (a, t) -> a.mov(cr, r)));
                cases.add(new AsmCase("mov " + r + ", " + cr.intelName(), (a, t) -> a.mov(r, cr)));
            }
        }
        for (Operands.MemOperand m : Operands.someMems()) {
            cases.add(new AsmCase("lgdt " + m.text(), (a, t) -> a.lgdt(m.of(t))));
            cases.add(new AsmCase("lidt " + m.text(), (a, t) -> a.lidt(m.of(t))));
            cases.add(new AsmCase("invlpg " + m.text(), (a, t) -> a.invlpg(m.of(t))));
            cases.add(new AsmCase("ltr " + ptr(Width.WORD) + m.text(), (a, t) -> a.ltr(m.of(t))));
        }
        for (Gpr r : gprs(Width.WORD)) {
            cases.add(new AsmCase("ltr " + r, (a, t) -> a.ltr(r)));
        }
        DifferentialRunner.check("system", cases);
    }

    /** nop(n) against the recommended long-NOP forms written out for GNU as. */
    @Test
    void sizedNops() throws Exception {
        String[] forms = {
            "nop",
            "xchg ax, ax",
            "nop DWORD PTR [rax]",
            "{disp8} nop DWORD PTR [rax+0]",
            "{disp8} nop DWORD PTR [rax+rax*1+0]",
            "{disp8} nop WORD PTR [rax+rax*1+0]",
            "{disp32} nop DWORD PTR [rax+0]",
            "{disp32} nop DWORD PTR [rax+rax*1+0]",
            "{disp32} nop WORD PTR [rax+rax*1+0]",
        };
        List<AsmCase> cases = new ArrayList<>();
        for (int size = 1; size <= forms.length; size++) {
            int n = size;
            cases.add(new AsmCase(forms[size - 1], (a, t) -> a.nop(n)));
        }
        DifferentialRunner.check("nops", cases);
    }
}
