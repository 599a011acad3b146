package dev.keep.shim.asm;

import java.util.Locale;

/**
 * The SSE instructions of the regular shape {@code op xmm, xmm/m128 [, imm8]}: ModRM.reg is the
 * destination, ModRM.rm the source. A compiler can map its own operations to these constants and emit
 * them with {@link Assembler#sse(SseOp, Xmm, XmmOrMem)}; each also has a named method on Assembler.
 * The blendv* instructions read their mask from xmm0 implicitly.
 */
public enum SseOp {
    // float arithmetic
    SQRTPS(0x00, Encoder.MAP_0F, 0x51, false),
    ADDPS(0x00, Encoder.MAP_0F, 0x58, false),
    MULPS(0x00, Encoder.MAP_0F, 0x59, false),
    SUBPS(0x00, Encoder.MAP_0F, 0x5C, false),
    MINPS(0x00, Encoder.MAP_0F, 0x5D, false),
    DIVPS(0x00, Encoder.MAP_0F, 0x5E, false),
    MAXPS(0x00, Encoder.MAP_0F, 0x5F, false),
    SQRTPD(0x66, Encoder.MAP_0F, 0x51, false),
    ADDPD(0x66, Encoder.MAP_0F, 0x58, false),
    MULPD(0x66, Encoder.MAP_0F, 0x59, false),
    SUBPD(0x66, Encoder.MAP_0F, 0x5C, false),
    MINPD(0x66, Encoder.MAP_0F, 0x5D, false),
    DIVPD(0x66, Encoder.MAP_0F, 0x5E, false),
    MAXPD(0x66, Encoder.MAP_0F, 0x5F, false),
    SQRTSS(0xF3, Encoder.MAP_0F, 0x51, false),
    ADDSS(0xF3, Encoder.MAP_0F, 0x58, false),
    MULSS(0xF3, Encoder.MAP_0F, 0x59, false),
    SUBSS(0xF3, Encoder.MAP_0F, 0x5C, false),
    MINSS(0xF3, Encoder.MAP_0F, 0x5D, false),
    DIVSS(0xF3, Encoder.MAP_0F, 0x5E, false),
    MAXSS(0xF3, Encoder.MAP_0F, 0x5F, false),
    SQRTSD(0xF2, Encoder.MAP_0F, 0x51, false),
    ADDSD(0xF2, Encoder.MAP_0F, 0x58, false),
    MULSD(0xF2, Encoder.MAP_0F, 0x59, false),
    SUBSD(0xF2, Encoder.MAP_0F, 0x5C, false),
    MINSD(0xF2, Encoder.MAP_0F, 0x5D, false),
    DIVSD(0xF2, Encoder.MAP_0F, 0x5E, false),
    MAXSD(0xF2, Encoder.MAP_0F, 0x5F, false),
    // float logic
    ANDPS(0x00, Encoder.MAP_0F, 0x54, false),
    ANDNPS(0x00, Encoder.MAP_0F, 0x55, false),
    ORPS(0x00, Encoder.MAP_0F, 0x56, false),
    XORPS(0x00, Encoder.MAP_0F, 0x57, false),
    ANDPD(0x66, Encoder.MAP_0F, 0x54, false),
    ANDNPD(0x66, Encoder.MAP_0F, 0x55, false),
    ORPD(0x66, Encoder.MAP_0F, 0x56, false),
    XORPD(0x66, Encoder.MAP_0F, 0x57, false),
    // float compare (flags)
    UCOMISS(0x00, Encoder.MAP_0F, 0x2E, false),
    COMISS(0x00, Encoder.MAP_0F, 0x2F, false),
    UCOMISD(0x66, Encoder.MAP_0F, 0x2E, false),
    COMISD(0x66, Encoder.MAP_0F, 0x2F, false),
    // float compare (mask), imm8 = predicate 0..7
    CMPPS(0x00, Encoder.MAP_0F, 0xC2, true),
    CMPPD(0x66, Encoder.MAP_0F, 0xC2, true),
    CMPSS(0xF3, Encoder.MAP_0F, 0xC2, true),
    CMPSD(0xF2, Encoder.MAP_0F, 0xC2, true),
    // float conversions
    CVTSS2SD(0xF3, Encoder.MAP_0F, 0x5A, false),
    CVTTPS2DQ(0xF3, Encoder.MAP_0F, 0x5B, false),
    CVTDQ2PD(0xF3, Encoder.MAP_0F, 0xE6, false),
    CVTSD2SS(0xF2, Encoder.MAP_0F, 0x5A, false),
    CVTPD2DQ(0xF2, Encoder.MAP_0F, 0xE6, false),
    CVTPS2PD(0x00, Encoder.MAP_0F, 0x5A, false),
    CVTDQ2PS(0x00, Encoder.MAP_0F, 0x5B, false),
    CVTPD2PS(0x66, Encoder.MAP_0F, 0x5A, false),
    CVTPS2DQ(0x66, Encoder.MAP_0F, 0x5B, false),
    CVTTPD2DQ(0x66, Encoder.MAP_0F, 0xE6, false),
    // rounding (SSE4.1), imm8 = mode
    ROUNDPS(0x66, Encoder.MAP_0F3A, 0x08, true),
    ROUNDPD(0x66, Encoder.MAP_0F3A, 0x09, true),
    ROUNDSS(0x66, Encoder.MAP_0F3A, 0x0A, true),
    ROUNDSD(0x66, Encoder.MAP_0F3A, 0x0B, true),
    // shuffles and unpacks
    UNPCKLPS(0x00, Encoder.MAP_0F, 0x14, false),
    UNPCKHPS(0x00, Encoder.MAP_0F, 0x15, false),
    MOVHLPS(0x00, Encoder.MAP_0F, 0x12, false),
    MOVLHPS(0x00, Encoder.MAP_0F, 0x16, false),
    UNPCKLPD(0x66, Encoder.MAP_0F, 0x14, false),
    UNPCKHPD(0x66, Encoder.MAP_0F, 0x15, false),
    SHUFPS(0x00, Encoder.MAP_0F, 0xC6, true),
    SHUFPD(0x66, Encoder.MAP_0F, 0xC6, true),
    PSHUFD(0x66, Encoder.MAP_0F, 0x70, true),
    PSHUFLW(0xF2, Encoder.MAP_0F, 0x70, true),
    PSHUFHW(0xF3, Encoder.MAP_0F, 0x70, true),
    PUNPCKLBW(0x66, Encoder.MAP_0F, 0x60, false),
    PUNPCKLWD(0x66, Encoder.MAP_0F, 0x61, false),
    PUNPCKLDQ(0x66, Encoder.MAP_0F, 0x62, false),
    PUNPCKLQDQ(0x66, Encoder.MAP_0F, 0x6C, false),
    PUNPCKHBW(0x66, Encoder.MAP_0F, 0x68, false),
    PUNPCKHWD(0x66, Encoder.MAP_0F, 0x69, false),
    PUNPCKHDQ(0x66, Encoder.MAP_0F, 0x6A, false),
    PUNPCKHQDQ(0x66, Encoder.MAP_0F, 0x6D, false),
    PACKSSWB(0x66, Encoder.MAP_0F, 0x63, false),
    PACKUSWB(0x66, Encoder.MAP_0F, 0x67, false),
    PACKSSDW(0x66, Encoder.MAP_0F, 0x6B, false),
    // packed integer (SSE2)
    PAND(0x66, Encoder.MAP_0F, 0xDB, false),
    PANDN(0x66, Encoder.MAP_0F, 0xDF, false),
    POR(0x66, Encoder.MAP_0F, 0xEB, false),
    PXOR(0x66, Encoder.MAP_0F, 0xEF, false),
    PADDB(0x66, Encoder.MAP_0F, 0xFC, false),
    PADDW(0x66, Encoder.MAP_0F, 0xFD, false),
    PADDD(0x66, Encoder.MAP_0F, 0xFE, false),
    PADDQ(0x66, Encoder.MAP_0F, 0xD4, false),
    PSUBB(0x66, Encoder.MAP_0F, 0xF8, false),
    PSUBW(0x66, Encoder.MAP_0F, 0xF9, false),
    PSUBD(0x66, Encoder.MAP_0F, 0xFA, false),
    PSUBQ(0x66, Encoder.MAP_0F, 0xFB, false),
    PADDSB(0x66, Encoder.MAP_0F, 0xEC, false),
    PADDSW(0x66, Encoder.MAP_0F, 0xED, false),
    PADDUSB(0x66, Encoder.MAP_0F, 0xDC, false),
    PADDUSW(0x66, Encoder.MAP_0F, 0xDD, false),
    PSUBSB(0x66, Encoder.MAP_0F, 0xE8, false),
    PSUBSW(0x66, Encoder.MAP_0F, 0xE9, false),
    PSUBUSB(0x66, Encoder.MAP_0F, 0xD8, false),
    PSUBUSW(0x66, Encoder.MAP_0F, 0xD9, false),
    PCMPEQB(0x66, Encoder.MAP_0F, 0x74, false),
    PCMPEQW(0x66, Encoder.MAP_0F, 0x75, false),
    PCMPEQD(0x66, Encoder.MAP_0F, 0x76, false),
    PCMPGTB(0x66, Encoder.MAP_0F, 0x64, false),
    PCMPGTW(0x66, Encoder.MAP_0F, 0x65, false),
    PCMPGTD(0x66, Encoder.MAP_0F, 0x66, false),
    PMULLW(0x66, Encoder.MAP_0F, 0xD5, false),
    PMULHW(0x66, Encoder.MAP_0F, 0xE5, false),
    PMULHUW(0x66, Encoder.MAP_0F, 0xE4, false),
    PMULUDQ(0x66, Encoder.MAP_0F, 0xF4, false),
    PMADDWD(0x66, Encoder.MAP_0F, 0xF5, false),
    PMINUB(0x66, Encoder.MAP_0F, 0xDA, false),
    PMAXUB(0x66, Encoder.MAP_0F, 0xDE, false),
    PMINSW(0x66, Encoder.MAP_0F, 0xEA, false),
    PMAXSW(0x66, Encoder.MAP_0F, 0xEE, false),
    PAVGB(0x66, Encoder.MAP_0F, 0xE0, false),
    PAVGW(0x66, Encoder.MAP_0F, 0xE3, false),
    PSLLW(0x66, Encoder.MAP_0F, 0xF1, false),
    PSLLD(0x66, Encoder.MAP_0F, 0xF2, false),
    PSLLQ(0x66, Encoder.MAP_0F, 0xF3, false),
    PSRLW(0x66, Encoder.MAP_0F, 0xD1, false),
    PSRLD(0x66, Encoder.MAP_0F, 0xD2, false),
    PSRLQ(0x66, Encoder.MAP_0F, 0xD3, false),
    PSRAW(0x66, Encoder.MAP_0F, 0xE1, false),
    PSRAD(0x66, Encoder.MAP_0F, 0xE2, false),
    // packed integer (SSSE3 / SSE4.1 / SSE4.2)
    PSHUFB(0x66, Encoder.MAP_0F38, 0x00, false),
    PABSB(0x66, Encoder.MAP_0F38, 0x1C, false),
    PABSW(0x66, Encoder.MAP_0F38, 0x1D, false),
    PABSD(0x66, Encoder.MAP_0F38, 0x1E, false),
    PBLENDVB(0x66, Encoder.MAP_0F38, 0x10, false),
    BLENDVPS(0x66, Encoder.MAP_0F38, 0x14, false),
    BLENDVPD(0x66, Encoder.MAP_0F38, 0x15, false),
    PTEST(0x66, Encoder.MAP_0F38, 0x17, false),
    PMOVSXBW(0x66, Encoder.MAP_0F38, 0x20, false),
    PMOVSXBD(0x66, Encoder.MAP_0F38, 0x21, false),
    PMOVSXBQ(0x66, Encoder.MAP_0F38, 0x22, false),
    PMOVSXWD(0x66, Encoder.MAP_0F38, 0x23, false),
    PMOVSXWQ(0x66, Encoder.MAP_0F38, 0x24, false),
    PMOVSXDQ(0x66, Encoder.MAP_0F38, 0x25, false),
    PMULDQ(0x66, Encoder.MAP_0F38, 0x28, false),
    PCMPEQQ(0x66, Encoder.MAP_0F38, 0x29, false),
    PACKUSDW(0x66, Encoder.MAP_0F38, 0x2B, false),
    PMOVZXBW(0x66, Encoder.MAP_0F38, 0x30, false),
    PMOVZXBD(0x66, Encoder.MAP_0F38, 0x31, false),
    PMOVZXBQ(0x66, Encoder.MAP_0F38, 0x32, false),
    PMOVZXWD(0x66, Encoder.MAP_0F38, 0x33, false),
    PMOVZXWQ(0x66, Encoder.MAP_0F38, 0x34, false),
    PMOVZXDQ(0x66, Encoder.MAP_0F38, 0x35, false),
    PCMPGTQ(0x66, Encoder.MAP_0F38, 0x37, false),
    PMINSB(0x66, Encoder.MAP_0F38, 0x38, false),
    PMINSD(0x66, Encoder.MAP_0F38, 0x39, false),
    PMINUW(0x66, Encoder.MAP_0F38, 0x3A, false),
    PMINUD(0x66, Encoder.MAP_0F38, 0x3B, false),
    PMAXSB(0x66, Encoder.MAP_0F38, 0x3C, false),
    PMAXSD(0x66, Encoder.MAP_0F38, 0x3D, false),
    PMAXUW(0x66, Encoder.MAP_0F38, 0x3E, false),
    PMAXUD(0x66, Encoder.MAP_0F38, 0x3F, false),
    PMULLD(0x66, Encoder.MAP_0F38, 0x40, false),
    BLENDPS(0x66, Encoder.MAP_0F3A, 0x0C, true),
    BLENDPD(0x66, Encoder.MAP_0F3A, 0x0D, true),
    PBLENDW(0x66, Encoder.MAP_0F3A, 0x0E, true),
    PALIGNR(0x66, Encoder.MAP_0F3A, 0x0F, true),
    INSERTPS(0x66, Encoder.MAP_0F3A, 0x21, true),
    DPPS(0x66, Encoder.MAP_0F3A, 0x40, true),
    DPPD(0x66, Encoder.MAP_0F3A, 0x41, true),
    // AES-NI and carry-less multiply (the AES-GCM code of the SNP guest request)
    AESIMC(0x66, Encoder.MAP_0F38, 0xDB, false),
    AESENC(0x66, Encoder.MAP_0F38, 0xDC, false),
    AESENCLAST(0x66, Encoder.MAP_0F38, 0xDD, false),
    AESDEC(0x66, Encoder.MAP_0F38, 0xDE, false),
    AESDECLAST(0x66, Encoder.MAP_0F38, 0xDF, false),
    AESKEYGENASSIST(0x66, Encoder.MAP_0F3A, 0xDF, true),
    PCLMULQDQ(0x66, Encoder.MAP_0F3A, 0x44, true);

    final int prefix;
    final int map;
    final int opcode;
    private final boolean takesImm8;

    SseOp(int prefix, int map, int opcode, boolean takesImm8) {
        this.prefix = prefix;
        this.map = map;
        this.opcode = opcode;
        this.takesImm8 = takesImm8;
    }

    /** Whether the instruction ends in an imm8 (shuffle control, compare predicate, rounding mode). */
    public boolean takesImm8() {
        return takesImm8;
    }

    /** movhlps / movlhps: with a memory operand their opcodes mean movlps / movhps instead. */
    public boolean registerSourceOnly() {
        return this == MOVHLPS || this == MOVLHPS;
    }

    /** The Intel / GNU mnemonic. */
    public String mnemonic() {
        return name().toLowerCase(Locale.ROOT);
    }
}
