package dev.keep.shim.asm;

/** Named register constants, so code reads like assembly: {@code a.mov(Reg.RAX, Reg.R12)}. */
public final class Reg {
    private Reg() {
    }

    public static final Gpr RAX = Gpr.of(0, Width.QWORD);
    public static final Gpr RCX = Gpr.of(1, Width.QWORD);
    public static final Gpr RDX = Gpr.of(2, Width.QWORD);
    public static final Gpr RBX = Gpr.of(3, Width.QWORD);
    public static final Gpr RSP = Gpr.of(4, Width.QWORD);
    public static final Gpr RBP = Gpr.of(5, Width.QWORD);
    public static final Gpr RSI = Gpr.of(6, Width.QWORD);
    public static final Gpr RDI = Gpr.of(7, Width.QWORD);
    public static final Gpr R8 = Gpr.of(8, Width.QWORD);
    public static final Gpr R9 = Gpr.of(9, Width.QWORD);
    public static final Gpr R10 = Gpr.of(10, Width.QWORD);
    public static final Gpr R11 = Gpr.of(11, Width.QWORD);
    public static final Gpr R12 = Gpr.of(12, Width.QWORD);
    public static final Gpr R13 = Gpr.of(13, Width.QWORD);
    public static final Gpr R14 = Gpr.of(14, Width.QWORD);
    public static final Gpr R15 = Gpr.of(15, Width.QWORD);

    public static final Gpr EAX = Gpr.of(0, Width.DWORD);
    public static final Gpr ECX = Gpr.of(1, Width.DWORD);
    public static final Gpr EDX = Gpr.of(2, Width.DWORD);
    public static final Gpr EBX = Gpr.of(3, Width.DWORD);
    public static final Gpr ESP = Gpr.of(4, Width.DWORD);
    public static final Gpr EBP = Gpr.of(5, Width.DWORD);
    public static final Gpr ESI = Gpr.of(6, Width.DWORD);
    public static final Gpr EDI = Gpr.of(7, Width.DWORD);
    public static final Gpr R8D = Gpr.of(8, Width.DWORD);
    public static final Gpr R9D = Gpr.of(9, Width.DWORD);
    public static final Gpr R10D = Gpr.of(10, Width.DWORD);
    public static final Gpr R11D = Gpr.of(11, Width.DWORD);
    public static final Gpr R12D = Gpr.of(12, Width.DWORD);
    public static final Gpr R13D = Gpr.of(13, Width.DWORD);
    public static final Gpr R14D = Gpr.of(14, Width.DWORD);
    public static final Gpr R15D = Gpr.of(15, Width.DWORD);

    public static final Gpr AX = Gpr.of(0, Width.WORD);
    public static final Gpr CX = Gpr.of(1, Width.WORD);
    public static final Gpr DX = Gpr.of(2, Width.WORD);
    public static final Gpr BX = Gpr.of(3, Width.WORD);
    public static final Gpr SP = Gpr.of(4, Width.WORD);
    public static final Gpr BP = Gpr.of(5, Width.WORD);
    public static final Gpr SI = Gpr.of(6, Width.WORD);
    public static final Gpr DI = Gpr.of(7, Width.WORD);
    public static final Gpr R8W = Gpr.of(8, Width.WORD);
    public static final Gpr R9W = Gpr.of(9, Width.WORD);
    public static final Gpr R10W = Gpr.of(10, Width.WORD);
    public static final Gpr R11W = Gpr.of(11, Width.WORD);
    public static final Gpr R12W = Gpr.of(12, Width.WORD);
    public static final Gpr R13W = Gpr.of(13, Width.WORD);
    public static final Gpr R14W = Gpr.of(14, Width.WORD);
    public static final Gpr R15W = Gpr.of(15, Width.WORD);

    public static final Gpr AL = Gpr.of(0, Width.BYTE);
    public static final Gpr CL = Gpr.of(1, Width.BYTE);
    public static final Gpr DL = Gpr.of(2, Width.BYTE);
    public static final Gpr BL = Gpr.of(3, Width.BYTE);
    public static final Gpr SPL = Gpr.of(4, Width.BYTE);
    public static final Gpr BPL = Gpr.of(5, Width.BYTE);
    public static final Gpr SIL = Gpr.of(6, Width.BYTE);
    public static final Gpr DIL = Gpr.of(7, Width.BYTE);
    public static final Gpr R8B = Gpr.of(8, Width.BYTE);
    public static final Gpr R9B = Gpr.of(9, Width.BYTE);
    public static final Gpr R10B = Gpr.of(10, Width.BYTE);
    public static final Gpr R11B = Gpr.of(11, Width.BYTE);
    public static final Gpr R12B = Gpr.of(12, Width.BYTE);
    public static final Gpr R13B = Gpr.of(13, Width.BYTE);
    public static final Gpr R14B = Gpr.of(14, Width.BYTE);
    public static final Gpr R15B = Gpr.of(15, Width.BYTE);

    public static final Xmm XMM0 = Xmm.of(0);
    public static final Xmm XMM1 = Xmm.of(1);
    public static final Xmm XMM2 = Xmm.of(2);
    public static final Xmm XMM3 = Xmm.of(3);
    public static final Xmm XMM4 = Xmm.of(4);
    public static final Xmm XMM5 = Xmm.of(5);
    public static final Xmm XMM6 = Xmm.of(6);
    public static final Xmm XMM7 = Xmm.of(7);
    public static final Xmm XMM8 = Xmm.of(8);
    public static final Xmm XMM9 = Xmm.of(9);
    public static final Xmm XMM10 = Xmm.of(10);
    public static final Xmm XMM11 = Xmm.of(11);
    public static final Xmm XMM12 = Xmm.of(12);
    public static final Xmm XMM13 = Xmm.of(13);
    public static final Xmm XMM14 = Xmm.of(14);
    public static final Xmm XMM15 = Xmm.of(15);
}
