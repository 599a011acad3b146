package dev.keep.shim.snp;

import static dev.keep.shim.asm.Reg.EAX;
import static dev.keep.shim.asm.Reg.EDX;
import static dev.keep.shim.asm.Reg.DL;
import static dev.keep.shim.asm.Reg.R10;
import static dev.keep.shim.asm.Reg.R11D;
import static dev.keep.shim.asm.Reg.R8;
import static dev.keep.shim.asm.Reg.R9;
import static dev.keep.shim.asm.Reg.RAX;
import static dev.keep.shim.asm.Reg.RBP;
import static dev.keep.shim.asm.Reg.RCX;
import static dev.keep.shim.asm.Reg.RDI;
import static dev.keep.shim.asm.Reg.RSI;
import static dev.keep.shim.asm.Reg.RSP;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Width;
import dev.keep.shim.asm.Xmm;

/**
 * Emits AES-256-GCM (96-bit IV, 16-byte tag) as keep code: AES-NI for the key schedule and the
 * block cipher, PCLMULQDQ for GHASH.
 *
 * <p>Calling convention of both routines (System V compatible, so the same bytes run in a keep and,
 * for tests, in a host process): {@code rdi} = address of a GCM argument block laid out as the
 * {@code SnpLayout.GCM_*} offsets say; the result is returned in {@code eax}
 * ({@link SnpLayout#GCM_OK}, {@link SnpLayout#GCM_AUTH_FAILED}, {@link SnpLayout#GCM_TOO_LONG}).
 * rbx, rbp, rsp and r12–r15 are preserved; rax, rcx, rdx, rsi, rdi, r8–r11 and all xmm registers are
 * clobbered (every xmm register is zeroed on return, and the stack frame that held the round keys is
 * wiped). Needs about 300 bytes of stack, SSE enabled (CR4.OSFXSR), AES-NI, PCLMULQDQ and SSE4.1, and
 * the direction flag is cleared.
 *
 * <ul>
 *   <li>seal: encrypts source into destination and writes the tag.</li>
 *   <li>open: decrypts source into destination and compares the tag in constant time. On mismatch the
 *       whole destination is overwritten with zeros before returning {@code GCM_AUTH_FAILED}, so no
 *       unauthenticated plaintext is released (the destination must be private memory: another
 *       observer could see it during the call).</li>
 * </ul>
 * Source and destination may be the same buffer. Lengths above 2^32-1 are refused.
 *
 * <p>GHASH works on byte-reversed blocks (pshufb), so that GF(2^128) multiplication becomes a
 * carry-less multiply followed by a one-bit left shift of the 256-bit product and a reduction modulo
 * x^128 + x^7 + x^2 + x + 1 done with shifts (the method of Intel's carry-less multiplication white
 * paper).
 */
public final class AesGcmEmitter {
    /** Entry points of the emitted routines. */
    public record Routines(Label seal, Label open) {
    }

    private static final int AES256_ROUNDS = 14;
    /** Round constants of the seven AES-256 key-schedule steps that use one. */
    private static final int[] RCON = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40};
    /** The 15 round keys at the bottom of the 16-byte aligned frame. */
    private static final int FRAME_ROUND_KEYS = 0;
    /** A 16-byte staging block for the partial last block of AAD or text. */
    private static final int FRAME_BLOCK = (AES256_ROUNDS + 1) * 16;
    private static final int FRAME_SIZE = FRAME_BLOCK + 16;

    // Register roles. xmm0 carries the block handed to GHASH; xmm1..xmm9 are GHASH temporaries.
    private static final Xmm BYTE_REVERSE = Xmm.of(15);
    private static final Xmm HASH_KEY = Xmm.of(14);
    private static final Xmm HASH_STATE = Xmm.of(13);
    private static final Xmm COUNTER_BASE = Xmm.of(12);
    private static final Xmm TAG_MASK = Xmm.of(11);
    private static final Xmm KEYSTREAM = Xmm.of(10);
    private static final Xmm X0 = Xmm.of(0);

    private final Assembler a;
    private final Label ghashBlock;
    private final Label byteReverseMask;

    private AesGcmEmitter(Assembler a) {
        this.a = a;
        this.ghashBlock = a.newLabel();
        this.byteReverseMask = a.newLabel();
    }

    /** Emits both routines, their shared GHASH step and their one constant at the current position. */
    public static Routines emit(Assembler a) {
        AesGcmEmitter e = new AesGcmEmitter(a);
        Label seal = a.newLabel();
        Label open = a.newLabel();
        a.bind(seal);
        e.routine(true);
        a.align(16);
        a.bind(open);
        e.routine(false);
        a.align(16);
        e.ghashStep();
        a.alignData(16, 0);
        a.bind(e.byteReverseMask);
        for (int i = 15; i >= 0; i--) {
            a.db(i);
        }
        return new Routines(seal, open);
    }

    private void routine(boolean seal) {
        Label done = a.newLabel();
        Label tooLong = a.newLabel();
        a.push(RBP);
        a.mov(RBP, RSP);
        a.sub(RSP, FRAME_SIZE);
        a.and(RSP, -16);
        a.cld();
        a.mov(EAX, SnpLayout.GCM_MAX_LENGTH);
        a.cmp(arg(SnpLayout.GCM_LENGTH), RAX);
        a.jcc(Cond.A, tooLong);
        a.cmp(arg(SnpLayout.GCM_AAD_LENGTH), RAX);
        a.jcc(Cond.A, tooLong);

        a.movdqu(BYTE_REVERSE, Mem.rip(byteReverseMask));
        expandKey();
        // H = E(K, 0), kept byte-reversed for GHASH.
        a.pxor(HASH_KEY, HASH_KEY);
        encryptBlock(HASH_KEY);
        a.pshufb(HASH_KEY, BYTE_REVERSE);
        // J0 = IV || 00000001; the tag is masked with E(K, J0); text blocks use counters 2, 3, ...
        a.mov(RAX, arg(SnpLayout.GCM_IV));
        a.movq(COUNTER_BASE, Mem.base(RAX));
        a.pinsrd(COUNTER_BASE, Mem.base(RAX).disp(8), 2);
        a.mov(EAX, 0x0100_0000);
        a.pinsrd(COUNTER_BASE, EAX, 3);
        a.movdqa(TAG_MASK, COUNTER_BASE);
        encryptBlock(TAG_MASK);
        a.mov(R11D, 2);
        a.pxor(HASH_STATE, HASH_STATE);

        hashAad();
        processText(seal);

        // The lengths block: bit lengths of AAD and text, each a big-endian u64.
        a.mov(RAX, arg(SnpLayout.GCM_AAD_LENGTH));
        a.shl(RAX, 3);
        a.bswap(RAX);
        a.movq(X0, RAX);
        a.mov(RAX, arg(SnpLayout.GCM_LENGTH));
        a.shl(RAX, 3);
        a.bswap(RAX);
        a.pinsrq(X0, RAX, 1);
        a.call(ghashBlock);
        a.movdqa(X0, HASH_STATE);
        a.pshufb(X0, BYTE_REVERSE);
        a.pxor(X0, TAG_MASK);
        a.mov(RAX, arg(SnpLayout.GCM_TAG));
        if (seal) {
            a.movdqu(Mem.base(RAX), X0);
            a.xor(EAX, EAX);
        } else {
            // Constant time: the xor of both tags is tested as a whole; only match / no match branches.
            Label match = a.newLabel();
            a.movdqu(Xmm.of(1), Mem.base(RAX));
            a.pxor(X0, Xmm.of(1));
            a.xor(EAX, EAX);
            a.ptest(X0, X0);
            a.jcc(Cond.Z, match);
            a.mov(RCX, arg(SnpLayout.GCM_LENGTH));
            a.mov(RDI, arg(SnpLayout.GCM_DESTINATION));
            a.repStosb();
            a.mov(EAX, SnpLayout.GCM_AUTH_FAILED);
            a.bind(match);
        }
        a.jmp(done);

        a.bind(tooLong);
        a.mov(EAX, SnpLayout.GCM_TOO_LONG);
        a.bind(done);
        // Nothing derived from the key survives the call: not in registers, not on the stack.
        for (int i = 0; i < 16; i++) {
            a.pxor(Xmm.of(i), Xmm.of(i));
        }
        for (int off = 0; off < FRAME_SIZE; off += 16) {
            a.movdqa(Mem.base(RSP).disp(off), X0);
        }
        a.mov(RSP, RBP);
        a.pop(RBP);
        a.ret();
    }

    /** AES-256 key schedule into the frame: round keys 0 and 1 are the key, 2..14 are derived. */
    private void expandKey() {
        Xmm even = Xmm.of(1);
        Xmm odd = Xmm.of(3);
        Xmm assist = Xmm.of(2);
        a.mov(RAX, arg(SnpLayout.GCM_KEY));
        a.movdqu(even, Mem.base(RAX));
        a.movdqu(odd, Mem.base(RAX).disp(16));
        a.movdqa(roundKey(0), even);
        a.movdqa(roundKey(1), odd);
        for (int step = 1; step <= RCON.length; step++) {
            // w[8i] = w[8i-8] ^ SubWord(RotWord(w[8i-1])) ^ rcon: dword 3 of aeskeygenassist.
            a.aeskeygenassist(assist, odd, RCON[step - 1]);
            a.pshufd(assist, assist, 0xFF);
            mixInto(even, assist);
            a.movdqa(roundKey(2 * step), even);
            if (2 * step + 1 <= AES256_ROUNDS) {
                // w[8i+4] = w[8i-4] ^ SubWord(w[8i+3]): dword 2, no rotation and no rcon.
                a.aeskeygenassist(assist, even, 0);
                a.pshufd(assist, assist, 0xAA);
                mixInto(odd, assist);
                a.movdqa(roundKey(2 * step + 1), odd);
            }
        }
    }

    /** {@code words = prefix-xor of its four dwords, each then xor'ed with the broadcast word}. */
    private void mixInto(Xmm words, Xmm broadcast) {
        Xmm shifted = Xmm.of(4);
        a.movdqa(shifted, words);
        for (int i = 0; i < 3; i++) {
            a.pslldq(shifted, 4);
            a.pxor(words, shifted);
        }
        a.pxor(words, broadcast);
    }

    private void encryptBlock(Xmm block) {
        a.pxor(block, roundKey(0));
        for (int round = 1; round < AES256_ROUNDS; round++) {
            a.aesenc(block, roundKey(round));
        }
        a.aesenclast(block, roundKey(AES256_ROUNDS));
    }

    /** The next counter block encrypted into KEYSTREAM (counter in r11d, big-endian in dword 3). */
    private void nextKeystream() {
        a.movdqa(KEYSTREAM, COUNTER_BASE);
        a.mov(EAX, R11D);
        a.bswap(EAX);
        a.pinsrd(KEYSTREAM, EAX, 3);
        a.inc(R11D);
        encryptBlock(KEYSTREAM);
    }

    private void hashAad() {
        Label loop = a.newLabel();
        Label tail = a.newLabel();
        Label end = a.newLabel();
        a.mov(RSI, arg(SnpLayout.GCM_AAD));
        a.mov(RCX, arg(SnpLayout.GCM_AAD_LENGTH));
        a.bind(loop);
        a.cmp(RCX, 16);
        a.jcc(Cond.B, tail);
        a.movdqu(X0, Mem.base(RSI));
        a.call(ghashBlock);
        a.add(RSI, 16);
        a.sub(RCX, 16);
        a.jmp(loop);
        a.bind(tail);
        a.test(RCX, RCX);
        a.jcc(Cond.Z, end);
        stageZeroPadded(RSI, RCX);
        a.movdqa(X0, stagingBlock());
        a.call(ghashBlock);
        a.bind(end);
    }

    /**
     * CTR over the text with GHASH over the ciphertext: for seal the ciphertext is the output, for
     * open the input, hashed before the plaintext is written so in-place operation works.
     */
    private void processText(boolean seal) {
        Label loop = a.newLabel();
        Label tail = a.newLabel();
        Label end = a.newLabel();
        a.mov(R8, arg(SnpLayout.GCM_SOURCE));
        a.mov(R9, arg(SnpLayout.GCM_DESTINATION));
        a.mov(R10, arg(SnpLayout.GCM_LENGTH));
        a.bind(loop);
        a.cmp(R10, 16);
        a.jcc(Cond.B, tail);
        nextKeystream();
        a.movdqu(X0, Mem.base(R8));
        if (seal) {
            a.pxor(X0, KEYSTREAM);
            a.movdqu(Mem.base(R9), X0);
            a.call(ghashBlock);
        } else {
            a.pxor(KEYSTREAM, X0);
            a.call(ghashBlock);
            a.movdqu(Mem.base(R9), KEYSTREAM);
        }
        a.add(R8, 16);
        a.add(R9, 16);
        a.sub(R10, 16);
        a.jmp(loop);

        a.bind(tail);
        a.test(R10, R10);
        a.jcc(Cond.Z, end);
        nextKeystream();
        stageZeroPadded(R8, R10);
        a.movdqa(X0, stagingBlock());
        if (seal) {
            a.pxor(X0, KEYSTREAM);
            a.movdqa(stagingBlock(), X0);
            copyFromStaging(R9, R10);
            // GHASH sees the ciphertext padded with zeros, not keystream bytes past its end.
            zeroStagingFrom(R10);
            a.movdqa(X0, stagingBlock());
            a.call(ghashBlock);
        } else {
            a.call(ghashBlock);
            a.movdqa(X0, stagingBlock());
            a.pxor(X0, KEYSTREAM);
            a.movdqa(stagingBlock(), X0);
            copyFromStaging(R9, R10);
        }
        a.bind(end);
    }

    /** Staging block = zeros, then {@code count} (< 16) bytes from [src]. Clobbers rax, rdx. */
    private void stageZeroPadded(Gpr src, Gpr count) {
        Label loop = a.newLabel();
        Label end = a.newLabel();
        a.pxor(X0, X0);
        a.movdqa(stagingBlock(), X0);
        a.xor(EAX, EAX);
        a.bind(loop);
        a.cmp(RAX, count);
        a.jcc(Cond.AE, end);
        a.movzx(EDX, Width.BYTE, Mem.base(src, RAX, 1));
        a.mov(Mem.base(RSP, RAX, 1).disp(FRAME_BLOCK), DL);
        a.inc(RAX);
        a.jmp(loop);
        a.bind(end);
    }

    /** {@code count} (< 16) bytes from the staging block to [dst]. Clobbers rax, rdx. */
    private void copyFromStaging(Gpr dst, Gpr count) {
        Label loop = a.newLabel();
        Label end = a.newLabel();
        a.xor(EAX, EAX);
        a.bind(loop);
        a.cmp(RAX, count);
        a.jcc(Cond.AE, end);
        a.movzx(EDX, Width.BYTE, Mem.base(RSP, RAX, 1).disp(FRAME_BLOCK));
        a.mov(Mem.base(dst, RAX, 1), DL);
        a.inc(RAX);
        a.jmp(loop);
        a.bind(end);
    }

    /** Zeroes the staging block from byte {@code from} (< 16) to its end. Clobbers rax. */
    private void zeroStagingFrom(Gpr from) {
        Label loop = a.newLabel();
        Label end = a.newLabel();
        a.mov(RAX, from);
        a.bind(loop);
        a.cmp(RAX, 16);
        a.jcc(Cond.AE, end);
        a.mov(Width.BYTE, Mem.base(RSP, RAX, 1).disp(FRAME_BLOCK), 0);
        a.inc(RAX);
        a.jmp(loop);
        a.bind(end);
    }

    /**
     * The shared GHASH step, called with the raw 16-byte block in xmm0:
     * state = (state ^ reverse(block)) * H. Touches only xmm0..xmm9 and the hash state, no memory,
     * so it may be called while the frame is addressed through rsp.
     */
    private void ghashStep() {
        a.bind(ghashBlock);
        a.pshufb(X0, BYTE_REVERSE);
        a.pxor(HASH_STATE, X0);
        multiplyByHashKey();
        a.ret();
    }

    /** HASH_STATE = HASH_STATE * HASH_KEY in GF(2^128), both in byte-reversed form. */
    private void multiplyByHashKey() {
        Xmm lo = Xmm.of(3);
        Xmm mid = Xmm.of(4);
        Xmm mid2 = Xmm.of(5);
        Xmm hi = Xmm.of(6);
        Xmm t7 = Xmm.of(7);
        Xmm t8 = Xmm.of(8);
        Xmm t9 = Xmm.of(9);
        Xmm t2 = Xmm.of(2);
        // 128x128 carry-less product hi:lo from four 64x64 products (schoolbook).
        a.movdqa(lo, HASH_STATE);
        a.pclmulqdq(lo, HASH_KEY, 0x00);
        a.movdqa(mid, HASH_STATE);
        a.pclmulqdq(mid, HASH_KEY, 0x10);
        a.movdqa(mid2, HASH_STATE);
        a.pclmulqdq(mid2, HASH_KEY, 0x01);
        a.movdqa(hi, HASH_STATE);
        a.pclmulqdq(hi, HASH_KEY, 0x11);
        a.pxor(mid, mid2);
        a.movdqa(mid2, mid);
        a.pslldq(mid2, 8);
        a.psrldq(mid, 8);
        a.pxor(lo, mid2);
        a.pxor(hi, mid);
        // Shift hi:lo left by one bit (the reflected operands leave the product one bit short).
        a.movdqa(t7, lo);
        a.psrld(t7, 31);
        a.movdqa(t8, hi);
        a.psrld(t8, 31);
        a.pslld(lo, 1);
        a.pslld(hi, 1);
        a.movdqa(t9, t7);
        a.psrldq(t9, 12);
        a.pslldq(t8, 4);
        a.pslldq(t7, 4);
        a.por(lo, t7);
        a.por(hi, t8);
        a.por(hi, t9);
        // Reduce modulo x^128 + x^7 + x^2 + x + 1: first fold (left shifts 31, 30, 25) ...
        a.movdqa(t7, lo);
        a.pslld(t7, 31);
        a.movdqa(t8, lo);
        a.pslld(t8, 30);
        a.movdqa(t9, lo);
        a.pslld(t9, 25);
        a.pxor(t7, t8);
        a.pxor(t7, t9);
        a.movdqa(t8, t7);
        a.psrldq(t8, 4);
        a.pslldq(t7, 12);
        a.pxor(lo, t7);
        // ... then the second fold (right shifts 1, 2, 7) into the high half.
        a.movdqa(t2, lo);
        a.psrld(t2, 1);
        a.movdqa(mid, lo);
        a.psrld(mid, 2);
        a.movdqa(mid2, lo);
        a.psrld(mid2, 7);
        a.pxor(t2, mid);
        a.pxor(t2, mid2);
        a.pxor(t2, t8);
        a.pxor(lo, t2);
        a.pxor(hi, lo);
        a.movdqa(HASH_STATE, hi);
    }

    private static Mem arg(int offset) {
        return Mem.base(RDI).disp(offset);
    }

    private static Mem roundKey(int index) {
        return Mem.base(RSP).disp(FRAME_ROUND_KEYS + 16 * index);
    }

    private static Mem stagingBlock() {
        return Mem.base(RSP).disp(FRAME_BLOCK);
    }
}
