package dev.keep.shim.asm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An x86-64 assembler for the code that runs inside a keep. Instructions are methods named after
 * their Intel mnemonic, operands are typed ({@link Gpr}, {@link Xmm}, {@link Mem}, {@link Label},
 * {@code long} immediates), and the operand order is Intel's: destination first.
 *
 * <p>Encodings are canonical: for every form it offers, this assembler emits the same bytes GNU as
 * 2.40 emits for the same Intel-syntax instruction (shortest immediate, accumulator short forms,
 * {@code 89 /r} rather than {@code 8B /r} for register moves, ...), which the differential test checks.
 *
 * <p>Branches to labels: a jump to an already-bound label within reach of a signed byte is emitted
 * with rel8, every other jump (forward, or too far back) with rel32. There is no relaxation pass, so
 * the size of an instruction never changes after it was emitted and output is a pure function of the
 * calls made. {@link #jmpShort}/{@link #jccShort} force rel8 (range checked when the label is
 * resolved); {@link #jmpNear}/{@link #jccNear} force rel32; {@link #call(Label)} is always rel32.
 *
 * <p>Every misuse (operand widths that do not match, an operand the instruction does not take, an
 * immediate out of range, a label that is never bound or out of short reach) throws
 * {@link IllegalArgumentException} with a one-line message naming the instruction.
 */
public final class Assembler {
    private final Encoder enc = new Encoder();
    private final List<Label> labels = new ArrayList<>();
    private final List<Integer> absoluteSites = new ArrayList<>();
    private final long origin;
    private byte[] finished;

    /** An assembler for code placed at address 0 (only {@link #dq(Label)} depends on the origin). */
    public Assembler() {
        this(0);
    }

    /** An assembler for code that will be loaded at virtual address {@code origin}. */
    public Assembler(long origin) {
        this.origin = origin;
    }

    // ---------------------------------------------------------------------------------------------
    // Labels, data, output

    public Label newLabel() {
        Label label = new Label(this, labels.size());
        labels.add(label);
        return label;
    }

    /** Binds {@code label} to the current position. */
    public void bind(Label label) {
        ownLabel(label, "bind");
        open();
        label.bindAt(enc.buf.position());
    }

    /** Offset of the next byte to be emitted, from the start of the code. */
    public int position() {
        return enc.buf.position();
    }

    /** Offset of a bound label from the start of the code (for linking). */
    public int offsetOf(Label label) {
        ownLabel(label, "offsetOf");
        return label.offset();
    }

    public long origin() {
        return origin;
    }

    /**
     * Offsets of the 8-byte slots written by {@link #dq(Label)}: each holds origin + label offset, so
     * a loader that moves the code elsewhere adds the difference at these offsets.
     */
    public List<Integer> absoluteSites() {
        return Collections.unmodifiableList(absoluteSites);
    }

    public void db(int value) {
        open();
        enc.buf.emit8(value);
    }

    public void db(byte[] data) {
        open();
        for (byte b : data) {
            enc.buf.emit8(b);
        }
    }

    public void dw(int value) {
        open();
        enc.buf.emit16(value);
    }

    public void dd(int value) {
        open();
        enc.buf.emit32(value);
    }

    public void dq(long value) {
        open();
        enc.buf.emit64(value);
    }

    /** The 64-bit absolute address of {@code target} (origin + offset); recorded in absoluteSites. */
    public void dq(Label target) {
        ownLabel(target, "dq");
        open();
        int at = enc.buf.position();
        enc.buf.emit64(0);
        absoluteSites.add(at);
        enc.fixups.add(new Fixup(Fixup.Kind.ABS64, at, target, 0, null, origin));
    }

    /** The 32-bit difference {@code target - base}: entries of position-independent jump tables. */
    public void dd(Label target, Label base) {
        ownLabel(target, "dd");
        ownLabel(base, "dd");
        open();
        int at = enc.buf.position();
        enc.buf.emit32(0);
        enc.fixups.add(new Fixup(Fixup.Kind.DELTA32, at, target, 0, base, 0));
    }

    /** Pads with canonical multi-byte NOPs up to a multiple of {@code boundary} (a power of two). */
    public void align(int boundary) {
        int pad = padding(boundary, "align");
        while (pad > 0) {
            int n = Math.min(pad, 9);
            nop(n);
            pad -= n;
        }
    }

    /** Pads with {@code fill} bytes up to a multiple of {@code boundary} (a power of two): for data. */
    public void alignData(int boundary, int fill) {
        int pad = padding(boundary, "alignData");
        for (int i = 0; i < pad; i++) {
            db(fill);
        }
    }

    /**
     * Resolves every label reference and returns the code. Afterwards nothing more can be emitted;
     * label offsets stay readable.
     *
     * @throws IllegalArgumentException if a referenced label was never bound or a short jump is out
     *                                  of reach
     */
    public byte[] finish() {
        if (finished != null) {
            return finished.clone();
        }
        for (Fixup f : enc.fixups) {
            if (!f.target().isBound()) {
                throw new IllegalArgumentException("label L" + f.target().id() + " referenced at offset " + f.at()
                    + " was never bound");
            }
            if (f.base() != null && !f.base().isBound()) {
                throw new IllegalArgumentException("label L" + f.base().id() + " referenced at offset " + f.at()
                    + " was never bound");
            }
            long target = f.target().offset();
            switch (f.kind()) {
                case REL8 -> {
                    long rel = target - f.from() + f.addend();
                    if (rel != (byte) rel) {
                        throw new IllegalArgumentException("short jump at offset " + (f.at() - 1) + " to label L"
                            + f.target().id() + " needs displacement " + rel + ", outside -128..127");
                    }
                    enc.buf.patch8(f.at(), (int) rel);
                }
                case REL32 -> {
                    long rel = target - f.from() + f.addend();
                    enc.buf.patch32(f.at(), (int) rel);
                }
                case DELTA32 -> enc.buf.patch32(f.at(), (int) (target - f.base().offset()));
                case ABS64 -> enc.buf.patch64(f.at(), f.addend() + target);
            }
        }
        finished = enc.buf.toByteArray();
        return finished.clone();
    }

    private int padding(int boundary, String what) {
        if (boundary <= 0 || Integer.bitCount(boundary) != 1) {
            throw new IllegalArgumentException(what + ": boundary " + boundary + " is not a power of two");
        }
        return (boundary - (enc.buf.position() & (boundary - 1))) & (boundary - 1);
    }

    private void open() {
        if (finished != null) {
            throw new IllegalStateException("assembler already finished; create a new one");
        }
    }

    private void ownLabel(Label label, String mnemonic) {
        if (label == null) {
            throw new IllegalArgumentException(mnemonic + ": label is null");
        }
        if (label.owner() != this) {
            throw new IllegalArgumentException(mnemonic + ": label " + label + " belongs to another assembler");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Integer moves

    public void mov(Gpr dst, Gpr src) {
        sameWidth("mov", dst, src);
        rm("mov", dst.width(), Encoder.MAP_NONE, 0x88, 0x89, src, dst, 0);
    }

    public void mov(Gpr dst, Mem src) {
        rm("mov", dst.width(), Encoder.MAP_NONE, 0x8A, 0x8B, dst, src, 0);
    }

    public void mov(Mem dst, Gpr src) {
        rm("mov", src.width(), Encoder.MAP_NONE, 0x88, 0x89, src, dst, 0);
    }

    /**
     * Loads an immediate. 64-bit destinations take the 7-byte sign-extended imm32 form when the value
     * fits, else the 10-byte imm64 form (what GNU as does; it does not shorten to a 32-bit move).
     */
    public void mov(Gpr dst, long imm) {
        if (dst.width() == Width.QWORD) {
            if (imm == (int) imm) {
                rmExt("mov", Width.QWORD, Encoder.MAP_NONE, 0xC6, 0xC7, 0, dst, 4);
                enc.immediate(4, imm);
            } else {
                movabs(dst, imm);
            }
            return;
        }
        long value = immediate("mov", dst.width(), imm);
        open();
        enc.opcodePlusReg(legacy(dst.width()), false, needsRex40(dst), Encoder.MAP_NONE,
            dst.width() == Width.BYTE ? 0xB0 : 0xB8, dst.index());
        enc.immediate(immBytes(dst.width()), value);
    }

    /** Stores an immediate of width {@code w}; a 64-bit store takes a sign-extended imm32. */
    public void mov(Width w, Mem dst, long imm) {
        long value = immediate("mov", w, imm);
        rmExt("mov", w, Encoder.MAP_NONE, 0xC6, 0xC7, 0, dst, immBytes(w));
        enc.immediate(immBytes(w), value);
    }

    /** The 10-byte {@code REX.W B8+r imm64} form, whatever the value. */
    public void movabs(Gpr dst, long imm) {
        requireWidth("movabs", dst, Width.QWORD);
        open();
        enc.opcodePlusReg(0, true, false, Encoder.MAP_NONE, 0xB8, dst.index());
        enc.immediate(8, imm);
    }

    /** Zero-extending move from an 8- or 16-bit register. */
    public void movzx(Gpr dst, Gpr src) {
        extend("movzx", 0xB6, dst, src.width(), src);
    }

    /** Zero-extending load of {@code srcWidth} (BYTE or WORD). */
    public void movzx(Gpr dst, Width srcWidth, Mem src) {
        extend("movzx", 0xB6, dst, srcWidth, src);
    }

    /** Sign-extending move from an 8- or 16-bit register. */
    public void movsx(Gpr dst, Gpr src) {
        extend("movsx", 0xBE, dst, src.width(), src);
    }

    /** Sign-extending load of {@code srcWidth} (BYTE or WORD). */
    public void movsx(Gpr dst, Width srcWidth, Mem src) {
        extend("movsx", 0xBE, dst, srcWidth, src);
    }

    /** Sign-extends a 32-bit register or load into a 64-bit register. */
    public void movsxd(Gpr dst, GprOrMem src) {
        requireWidth("movsxd", dst, Width.QWORD);
        if (src instanceof Gpr g) {
            requireWidth("movsxd", g, Width.DWORD);
        }
        rm("movsxd", Width.QWORD, Encoder.MAP_NONE, 0x63, 0x63, dst, src, 0);
    }

    public void lea(Gpr dst, Mem src) {
        notByte("lea", dst);
        rm("lea", dst.width(), Encoder.MAP_NONE, 0x8D, 0x8D, dst, src, 0);
    }

    /** Exchange; with rax/eax/ax and another register GNU as (and so this) uses the 1-byte 90+r form. */
    public void xchg(Gpr a, Gpr b) {
        sameWidth("xchg", a, b);
        Width w = a.width();
        boolean bothEax = w == Width.DWORD && a.index() == 0 && b.index() == 0;
        if (w != Width.BYTE && (a.index() == 0 || b.index() == 0) && !bothEax) {
            // xchg eax, eax cannot be 90 in 64-bit mode: 90 is a true nop that does not zero rax[63:32].
            // xchg rax, rax is a no-op, so GNU as drops the REX.W and emits a plain 90.
            boolean bothRax = w == Width.QWORD && a.index() == 0 && b.index() == 0;
            open();
            enc.opcodePlusReg(legacy(w), w == Width.QWORD && !bothRax, false, Encoder.MAP_NONE, 0x90,
                a.index() == 0 ? b.index() : a.index());
            return;
        }
        rm("xchg", w, Encoder.MAP_NONE, 0x86, 0x87, b, a, 0);
    }

    public void xchg(Mem a, Gpr b) {
        rm("xchg", b.width(), Encoder.MAP_NONE, 0x86, 0x87, b, a, 0);
    }

    public void xchg(Gpr a, Mem b) {
        xchg(b, a);
    }

    /** Byte swap of a 32- or 64-bit register. */
    public void bswap(Gpr reg) {
        if (reg.width() != Width.DWORD && reg.width() != Width.QWORD) {
            throw new IllegalArgumentException("bswap takes a 32- or 64-bit register, got " + reg);
        }
        open();
        enc.opcodePlusReg(0, reg.width() == Width.QWORD, false, Encoder.MAP_0F, 0xC8, reg.index());
    }

    public void push(Gpr reg) {
        requireWidth("push", reg, Width.QWORD);
        open();
        enc.opcodePlusReg(0, false, false, Encoder.MAP_NONE, 0x50, reg.index());
    }

    /** Pushes a qword from memory. */
    public void push(Mem src) {
        rmExt("push", Width.DWORD, Encoder.MAP_NONE, 0xFF, 0xFF, 6, src, 0);
    }

    /** Pushes a sign-extended imm8 or imm32 (as 8 bytes). */
    public void push(long imm) {
        long value = immediate("push", Width.QWORD, imm);
        open();
        boolean small = value == (byte) value;
        enc.plain(0, false, Encoder.MAP_NONE, small ? 0x6A : 0x68);
        enc.immediate(small ? 1 : 4, value);
    }

    public void pop(Gpr reg) {
        requireWidth("pop", reg, Width.QWORD);
        open();
        enc.opcodePlusReg(0, false, false, Encoder.MAP_NONE, 0x58, reg.index());
    }

    /** Pops a qword into memory. */
    public void pop(Mem dst) {
        rmExt("pop", Width.DWORD, Encoder.MAP_NONE, 0x8F, 0x8F, 0, dst, 0);
    }

    // ---------------------------------------------------------------------------------------------
    // Integer arithmetic and logic

    public void add(Gpr dst, Gpr src) {
        alu("add", 0, dst, src);
    }

    public void add(Gpr dst, Mem src) {
        alu("add", 0, dst, src);
    }

    public void add(Mem dst, Gpr src) {
        alu("add", 0, dst, src);
    }

    public void add(Gpr dst, long imm) {
        aluImm("add", 0, dst.width(), dst, imm);
    }

    public void add(Width w, Mem dst, long imm) {
        aluImm("add", 0, w, dst, imm);
    }

    public void or(Gpr dst, Gpr src) {
        alu("or", 1, dst, src);
    }

    public void or(Gpr dst, Mem src) {
        alu("or", 1, dst, src);
    }

    public void or(Mem dst, Gpr src) {
        alu("or", 1, dst, src);
    }

    public void or(Gpr dst, long imm) {
        aluImm("or", 1, dst.width(), dst, imm);
    }

    public void or(Width w, Mem dst, long imm) {
        aluImm("or", 1, w, dst, imm);
    }

    public void adc(Gpr dst, Gpr src) {
        alu("adc", 2, dst, src);
    }

    public void adc(Gpr dst, Mem src) {
        alu("adc", 2, dst, src);
    }

    public void adc(Mem dst, Gpr src) {
        alu("adc", 2, dst, src);
    }

    public void adc(Gpr dst, long imm) {
        aluImm("adc", 2, dst.width(), dst, imm);
    }

    public void adc(Width w, Mem dst, long imm) {
        aluImm("adc", 2, w, dst, imm);
    }

    public void sbb(Gpr dst, Gpr src) {
        alu("sbb", 3, dst, src);
    }

    public void sbb(Gpr dst, Mem src) {
        alu("sbb", 3, dst, src);
    }

    public void sbb(Mem dst, Gpr src) {
        alu("sbb", 3, dst, src);
    }

    public void sbb(Gpr dst, long imm) {
        aluImm("sbb", 3, dst.width(), dst, imm);
    }

    public void sbb(Width w, Mem dst, long imm) {
        aluImm("sbb", 3, w, dst, imm);
    }

    public void and(Gpr dst, Gpr src) {
        alu("and", 4, dst, src);
    }

    public void and(Gpr dst, Mem src) {
        alu("and", 4, dst, src);
    }

    public void and(Mem dst, Gpr src) {
        alu("and", 4, dst, src);
    }

    public void and(Gpr dst, long imm) {
        aluImm("and", 4, dst.width(), dst, imm);
    }

    public void and(Width w, Mem dst, long imm) {
        aluImm("and", 4, w, dst, imm);
    }

    public void sub(Gpr dst, Gpr src) {
        alu("sub", 5, dst, src);
    }

    public void sub(Gpr dst, Mem src) {
        alu("sub", 5, dst, src);
    }

    public void sub(Mem dst, Gpr src) {
        alu("sub", 5, dst, src);
    }

    public void sub(Gpr dst, long imm) {
        aluImm("sub", 5, dst.width(), dst, imm);
    }

    public void sub(Width w, Mem dst, long imm) {
        aluImm("sub", 5, w, dst, imm);
    }

    public void xor(Gpr dst, Gpr src) {
        alu("xor", 6, dst, src);
    }

    public void xor(Gpr dst, Mem src) {
        alu("xor", 6, dst, src);
    }

    public void xor(Mem dst, Gpr src) {
        alu("xor", 6, dst, src);
    }

    public void xor(Gpr dst, long imm) {
        aluImm("xor", 6, dst.width(), dst, imm);
    }

    public void xor(Width w, Mem dst, long imm) {
        aluImm("xor", 6, w, dst, imm);
    }

    public void cmp(Gpr dst, Gpr src) {
        alu("cmp", 7, dst, src);
    }

    public void cmp(Gpr dst, Mem src) {
        alu("cmp", 7, dst, src);
    }

    public void cmp(Mem dst, Gpr src) {
        alu("cmp", 7, dst, src);
    }

    public void cmp(Gpr dst, long imm) {
        aluImm("cmp", 7, dst.width(), dst, imm);
    }

    public void cmp(Width w, Mem dst, long imm) {
        aluImm("cmp", 7, w, dst, imm);
    }

    public void test(Gpr a, Gpr b) {
        sameWidth("test", a, b);
        rm("test", a.width(), Encoder.MAP_NONE, 0x84, 0x85, b, a, 0);
    }

    public void test(Mem a, Gpr b) {
        rm("test", b.width(), Encoder.MAP_NONE, 0x84, 0x85, b, a, 0);
    }

    /** test has no imm8 form; al/ax/eax/rax use the short A8/A9 encodings. */
    public void test(Gpr a, long imm) {
        long value = immediate("test", a.width(), imm);
        if (a.index() == 0) {
            accumulatorImm(a.width(), 0xA8, 0xA9, value);
            return;
        }
        rmExt("test", a.width(), Encoder.MAP_NONE, 0xF6, 0xF7, 0, a, immBytes(a.width()));
        enc.immediate(immBytes(a.width()), value);
    }

    public void test(Width w, Mem a, long imm) {
        long value = immediate("test", w, imm);
        rmExt("test", w, Encoder.MAP_NONE, 0xF6, 0xF7, 0, a, immBytes(w));
        enc.immediate(immBytes(w), value);
    }

    public void inc(Gpr operand) {
        rmExt("inc", operand.width(), Encoder.MAP_NONE, 0xFE, 0xFF, 0, operand, 0);
    }

    public void inc(Width w, Mem operand) {
        rmExt("inc", w, Encoder.MAP_NONE, 0xFE, 0xFF, 0, operand, 0);
    }

    public void dec(Gpr operand) {
        rmExt("dec", operand.width(), Encoder.MAP_NONE, 0xFE, 0xFF, 1, operand, 0);
    }

    public void dec(Width w, Mem operand) {
        rmExt("dec", w, Encoder.MAP_NONE, 0xFE, 0xFF, 1, operand, 0);
    }

    public void not(Gpr operand) {
        rmExt("not", operand.width(), Encoder.MAP_NONE, 0xF6, 0xF7, 2, operand, 0);
    }

    public void not(Width w, Mem operand) {
        rmExt("not", w, Encoder.MAP_NONE, 0xF6, 0xF7, 2, operand, 0);
    }

    public void neg(Gpr operand) {
        rmExt("neg", operand.width(), Encoder.MAP_NONE, 0xF6, 0xF7, 3, operand, 0);
    }

    public void neg(Width w, Mem operand) {
        rmExt("neg", w, Encoder.MAP_NONE, 0xF6, 0xF7, 3, operand, 0);
    }

    /** Unsigned rdx:rax = rax * operand (al/ax/eax forms by width). */
    public void mul(Gpr operand) {
        rmExt("mul", operand.width(), Encoder.MAP_NONE, 0xF6, 0xF7, 4, operand, 0);
    }

    public void mul(Width w, Mem operand) {
        rmExt("mul", w, Encoder.MAP_NONE, 0xF6, 0xF7, 4, operand, 0);
    }

    /** One-operand signed widening multiply: rdx:rax = rax * operand. */
    public void imul(Gpr operand) {
        rmExt("imul", operand.width(), Encoder.MAP_NONE, 0xF6, 0xF7, 5, operand, 0);
    }

    public void imul(Width w, Mem operand) {
        rmExt("imul", w, Encoder.MAP_NONE, 0xF6, 0xF7, 5, operand, 0);
    }

    /** Unsigned divide of rdx:rax (by width) by the operand. */
    public void div(Gpr operand) {
        rmExt("div", operand.width(), Encoder.MAP_NONE, 0xF6, 0xF7, 6, operand, 0);
    }

    public void div(Width w, Mem operand) {
        rmExt("div", w, Encoder.MAP_NONE, 0xF6, 0xF7, 6, operand, 0);
    }

    /** Signed divide of rdx:rax (by width) by the operand. */
    public void idiv(Gpr operand) {
        rmExt("idiv", operand.width(), Encoder.MAP_NONE, 0xF6, 0xF7, 7, operand, 0);
    }

    public void idiv(Width w, Mem operand) {
        rmExt("idiv", w, Encoder.MAP_NONE, 0xF6, 0xF7, 7, operand, 0);
    }

    /** Two-operand signed multiply {@code dst *= src} (16/32/64-bit). */
    public void imul(Gpr dst, Gpr src) {
        sameWidth("imul", dst, src);
        imul2(dst, src);
    }

    public void imul(Gpr dst, Mem src) {
        imul2(dst, src);
    }

    /** {@code dst = src * imm}; imm8 when the value fits a signed byte, else imm16/imm32. */
    public void imul(Gpr dst, GprOrMem src, long imm) {
        notByte("imul", dst);
        if (src instanceof Gpr g) {
            sameWidth("imul", dst, g);
        }
        long value = immediate("imul", dst.width(), imm);
        boolean small = value == (byte) value;
        int bytes = small ? 1 : immBytes(dst.width());
        rm("imul", dst.width(), Encoder.MAP_NONE, 0, small ? 0x6B : 0x69, dst, src, bytes);
        enc.immediate(bytes, value);
    }

    /** {@code dst *= imm}. */
    public void imul(Gpr dst, long imm) {
        imul(dst, dst, imm);
    }

    private void imul2(Gpr dst, GprOrMem src) {
        notByte("imul", dst);
        rm("imul", dst.width(), Encoder.MAP_0F, 0xAF, 0xAF, dst, src, 0);
    }

    /** Sign-extends eax into edx:eax. */
    public void cdq() {
        plain(0, false, Encoder.MAP_NONE, 0x99);
    }

    /** Sign-extends rax into rdx:rax. */
    public void cqo() {
        plain(0, true, Encoder.MAP_NONE, 0x99);
    }

    /** Sign-extends eax into rax. */
    public void cdqe() {
        plain(0, true, Encoder.MAP_NONE, 0x98);
    }

    public void lzcnt(Gpr dst, Gpr src) {
        sameWidth("lzcnt", dst, src);
        bitCount("lzcnt", 0xBD, dst, src);
    }

    public void lzcnt(Gpr dst, Mem src) {
        bitCount("lzcnt", 0xBD, dst, src);
    }

    public void tzcnt(Gpr dst, Gpr src) {
        sameWidth("tzcnt", dst, src);
        bitCount("tzcnt", 0xBC, dst, src);
    }

    public void tzcnt(Gpr dst, Mem src) {
        bitCount("tzcnt", 0xBC, dst, src);
    }

    /** Bit scan reverse: index of the highest set bit (ZF set and dst undefined when src is 0). */
    public void bsr(Gpr dst, GprOrMem src) {
        bitScan("bsr", 0xBD, dst, src);
    }

    /** Bit scan forward: index of the lowest set bit (ZF set and dst undefined when src is 0). */
    public void bsf(Gpr dst, GprOrMem src) {
        bitScan("bsf", 0xBC, dst, src);
    }

    public void popcnt(Gpr dst, Gpr src) {
        sameWidth("popcnt", dst, src);
        bitCount("popcnt", 0xB8, dst, src);
    }

    public void popcnt(Gpr dst, Mem src) {
        bitCount("popcnt", 0xB8, dst, src);
    }

    public void bt(Gpr base, Gpr bit) {
        sameWidth("bt", base, bit);
        bitTest("bt", 0xA3, base, bit);
    }

    public void bt(Mem base, Gpr bit) {
        bitTest("bt", 0xA3, base, bit);
    }

    public void bt(Gpr base, int bit) {
        bitTestImm("bt", 4, base.width(), base, bit);
    }

    public void bt(Width w, Mem base, int bit) {
        bitTestImm("bt", 4, w, base, bit);
    }

    public void bts(Gpr base, Gpr bit) {
        sameWidth("bts", base, bit);
        bitTest("bts", 0xAB, base, bit);
    }

    public void bts(Mem base, Gpr bit) {
        bitTest("bts", 0xAB, base, bit);
    }

    public void bts(Gpr base, int bit) {
        bitTestImm("bts", 5, base.width(), base, bit);
    }

    public void bts(Width w, Mem base, int bit) {
        bitTestImm("bts", 5, w, base, bit);
    }

    public void btr(Gpr base, Gpr bit) {
        sameWidth("btr", base, bit);
        bitTest("btr", 0xB3, base, bit);
    }

    public void btr(Mem base, Gpr bit) {
        bitTest("btr", 0xB3, base, bit);
    }

    public void btr(Gpr base, int bit) {
        bitTestImm("btr", 6, base.width(), base, bit);
    }

    public void btr(Width w, Mem base, int bit) {
        bitTestImm("btr", 6, w, base, bit);
    }

    public void btc(Gpr base, Gpr bit) {
        sameWidth("btc", base, bit);
        bitTest("btc", 0xBB, base, bit);
    }

    public void btc(Mem base, Gpr bit) {
        bitTest("btc", 0xBB, base, bit);
    }

    public void btc(Gpr base, int bit) {
        bitTestImm("btc", 7, base.width(), base, bit);
    }

    public void btc(Width w, Mem base, int bit) {
        bitTestImm("btc", 7, w, base, bit);
    }

    // ---------------------------------------------------------------------------------------------
    // Shifts and rotates: by an immediate (the D0/D1 form for a count of 1, as GNU as does), or by cl

    public void rol(Gpr dst, int count) {
        shift("rol", 0, dst.width(), dst, count);
    }

    public void rol(Width w, Mem dst, int count) {
        shift("rol", 0, w, dst, count);
    }

    /** Shift by cl ({@code count} must be {@link Reg#CL}). */
    public void rol(Gpr dst, Gpr count) {
        shiftByCl("rol", 0, dst.width(), dst, count);
    }

    public void rol(Width w, Mem dst, Gpr count) {
        shiftByCl("rol", 0, w, dst, count);
    }

    public void ror(Gpr dst, int count) {
        shift("ror", 1, dst.width(), dst, count);
    }

    public void ror(Width w, Mem dst, int count) {
        shift("ror", 1, w, dst, count);
    }

    /** Shift by cl ({@code count} must be {@link Reg#CL}). */
    public void ror(Gpr dst, Gpr count) {
        shiftByCl("ror", 1, dst.width(), dst, count);
    }

    public void ror(Width w, Mem dst, Gpr count) {
        shiftByCl("ror", 1, w, dst, count);
    }

    public void rcl(Gpr dst, int count) {
        shift("rcl", 2, dst.width(), dst, count);
    }

    public void rcl(Width w, Mem dst, int count) {
        shift("rcl", 2, w, dst, count);
    }

    /** Shift by cl ({@code count} must be {@link Reg#CL}). */
    public void rcl(Gpr dst, Gpr count) {
        shiftByCl("rcl", 2, dst.width(), dst, count);
    }

    public void rcl(Width w, Mem dst, Gpr count) {
        shiftByCl("rcl", 2, w, dst, count);
    }

    public void rcr(Gpr dst, int count) {
        shift("rcr", 3, dst.width(), dst, count);
    }

    public void rcr(Width w, Mem dst, int count) {
        shift("rcr", 3, w, dst, count);
    }

    /** Shift by cl ({@code count} must be {@link Reg#CL}). */
    public void rcr(Gpr dst, Gpr count) {
        shiftByCl("rcr", 3, dst.width(), dst, count);
    }

    public void rcr(Width w, Mem dst, Gpr count) {
        shiftByCl("rcr", 3, w, dst, count);
    }

    public void shl(Gpr dst, int count) {
        shift("shl", 4, dst.width(), dst, count);
    }

    public void shl(Width w, Mem dst, int count) {
        shift("shl", 4, w, dst, count);
    }

    /** Shift by cl ({@code count} must be {@link Reg#CL}). */
    public void shl(Gpr dst, Gpr count) {
        shiftByCl("shl", 4, dst.width(), dst, count);
    }

    public void shl(Width w, Mem dst, Gpr count) {
        shiftByCl("shl", 4, w, dst, count);
    }

    public void shr(Gpr dst, int count) {
        shift("shr", 5, dst.width(), dst, count);
    }

    public void shr(Width w, Mem dst, int count) {
        shift("shr", 5, w, dst, count);
    }

    /** Shift by cl ({@code count} must be {@link Reg#CL}). */
    public void shr(Gpr dst, Gpr count) {
        shiftByCl("shr", 5, dst.width(), dst, count);
    }

    public void shr(Width w, Mem dst, Gpr count) {
        shiftByCl("shr", 5, w, dst, count);
    }

    public void sar(Gpr dst, int count) {
        shift("sar", 7, dst.width(), dst, count);
    }

    public void sar(Width w, Mem dst, int count) {
        shift("sar", 7, w, dst, count);
    }

    /** Shift by cl ({@code count} must be {@link Reg#CL}). */
    public void sar(Gpr dst, Gpr count) {
        shiftByCl("sar", 7, dst.width(), dst, count);
    }

    public void sar(Width w, Mem dst, Gpr count) {
        shiftByCl("sar", 7, w, dst, count);
    }

    // ---------------------------------------------------------------------------------------------
    // Conditions and control flow

    /** Sets an 8-bit register to 1 if {@code cond} holds, else 0. */
    public void setcc(Cond cond, Gpr dst) {
        requireWidth("set" + cond.suffix(), dst, Width.BYTE);
        rmExt("set" + cond.suffix(), Width.DWORD, Encoder.MAP_0F, 0, 0x90 | cond.code(), 0, dst, 0);
    }

    /** Stores byte 1 or 0 to memory. */
    public void setcc(Cond cond, Mem dst) {
        rmExt("set" + cond.suffix(), Width.DWORD, Encoder.MAP_0F, 0, 0x90 | cond.code(), 0, dst, 0);
    }

    public void cmovcc(Cond cond, Gpr dst, Gpr src) {
        sameWidth("cmov" + cond.suffix(), dst, src);
        cmov(cond, dst, src);
    }

    public void cmovcc(Cond cond, Gpr dst, Mem src) {
        cmov(cond, dst, src);
    }

    /** Jump: rel8 when the label is bound and in reach, else rel32 (see the class comment). */
    public void jmp(Label target) {
        branch("jmp", -1, target, isNearEnough(target) ? 1 : 4);
    }

    /** Conditional jump: rel8 when the label is bound and in reach, else rel32. */
    public void jcc(Cond cond, Label target) {
        branch("j" + cond.suffix(), cond.code(), target, isNearEnough(target) ? 1 : 4);
    }

    /** Always rel8; finish() fails if the label ends up out of reach. */
    public void jmpShort(Label target) {
        branch("jmp", -1, target, 1);
    }

    public void jccShort(Cond cond, Label target) {
        branch("j" + cond.suffix(), cond.code(), target, 1);
    }

    /** Always rel32 (fixed 5-byte size, e.g. for patchable sites). */
    public void jmpNear(Label target) {
        branch("jmp", -1, target, 4);
    }

    /** Always rel32 (fixed 6-byte size). */
    public void jccNear(Cond cond, Label target) {
        branch("j" + cond.suffix(), cond.code(), target, 4);
    }

    /** Indirect jump through a 64-bit register. */
    public void jmp(Gpr target) {
        requireWidth("jmp", target, Width.QWORD);
        rmExt("jmp", Width.DWORD, Encoder.MAP_NONE, 0xFF, 0xFF, 4, target, 0);
    }

    /** Indirect jump through a qword in memory. */
    public void jmp(Mem target) {
        rmExt("jmp", Width.DWORD, Encoder.MAP_NONE, 0xFF, 0xFF, 4, target, 0);
    }

    /** Direct call, always rel32. */
    public void call(Label target) {
        ownLabel(target, "call");
        open();
        enc.plain(0, false, Encoder.MAP_NONE, 0xE8);
        rel32Hole(target);
    }

    public void call(Gpr target) {
        requireWidth("call", target, Width.QWORD);
        rmExt("call", Width.DWORD, Encoder.MAP_NONE, 0xFF, 0xFF, 2, target, 0);
    }

    public void call(Mem target) {
        rmExt("call", Width.DWORD, Encoder.MAP_NONE, 0xFF, 0xFF, 2, target, 0);
    }

    public void ret() {
        plain(0, false, Encoder.MAP_NONE, 0xC3);
    }

    /** Return and pop {@code bytes} (0..65535) of arguments. */
    public void ret(int bytes) {
        if (bytes < 0 || bytes > 0xFFFF) {
            throw new IllegalArgumentException("ret: byte count " + bytes + " is not in 0..65535");
        }
        plain(0, false, Encoder.MAP_NONE, 0xC2);
        enc.immediate(2, bytes);
    }

    // ---------------------------------------------------------------------------------------------
    // System instructions (ring-0 stubs, runtime)

    /** {@code out imm8, al/ax/eax}. */
    public void out(int port, Gpr src) {
        accumulatorIo("out", src);
        int checkedPort = port8("out", port);
        plain(legacy(src.width()), false, Encoder.MAP_NONE, src.width() == Width.BYTE ? 0xE6 : 0xE7);
        enc.immediate(1, checkedPort);
    }

    /** {@code out dx, al/ax/eax}; {@code port} must be {@link Reg#DX}. */
    public void out(Gpr port, Gpr src) {
        requireDx("out", port);
        accumulatorIo("out", src);
        plain(legacy(src.width()), false, Encoder.MAP_NONE, src.width() == Width.BYTE ? 0xEE : 0xEF);
    }

    /** {@code in al/ax/eax, imm8}. */
    public void in(Gpr dst, int port) {
        accumulatorIo("in", dst);
        int checkedPort = port8("in", port);
        plain(legacy(dst.width()), false, Encoder.MAP_NONE, dst.width() == Width.BYTE ? 0xE4 : 0xE5);
        enc.immediate(1, checkedPort);
    }

    /** {@code in al/ax/eax, dx}; {@code port} must be {@link Reg#DX}. */
    public void in(Gpr dst, Gpr port) {
        requireDx("in", port);
        accumulatorIo("in", dst);
        plain(legacy(dst.width()), false, Encoder.MAP_NONE, dst.width() == Width.BYTE ? 0xEC : 0xED);
    }

    public void iretq() {
        plain(0, true, Encoder.MAP_NONE, 0xCF);
    }

    public void hlt() {
        plain(0, false, Encoder.MAP_NONE, 0xF4);
    }

    public void cli() {
        plain(0, false, Encoder.MAP_NONE, 0xFA);
    }

    public void sti() {
        plain(0, false, Encoder.MAP_NONE, 0xFB);
    }

    public void int3() {
        plain(0, false, Encoder.MAP_NONE, 0xCC);
    }

    /** {@code int imm8} (vector 0..255); like GNU as, {@code int 3} becomes the one-byte int3 (CC). */
    public void intN(int vector) {
        if (vector < 0 || vector > 255) {
            throw new IllegalArgumentException("int: vector " + vector + " is not in 0..255");
        }
        if (vector == 3) {
            int3();
            return;
        }
        plain(0, false, Encoder.MAP_NONE, 0xCD);
        enc.immediate(1, vector);
    }

    public void ud2() {
        plain(0, false, Encoder.MAP_0F, 0x0B);
    }

    public void rdtsc() {
        plain(0, false, Encoder.MAP_0F, 0x31);
    }

    public void rdtscp() {
        plain(0, false, Encoder.MAP_0F, 0x01);
        enc.buf.emit8(0xF9);
    }

    public void cpuid() {
        plain(0, false, Encoder.MAP_0F, 0xA2);
    }

    public void rdmsr() {
        plain(0, false, Encoder.MAP_0F, 0x32);
    }

    public void wrmsr() {
        plain(0, false, Encoder.MAP_0F, 0x30);
    }

    /**
     * {@code vmgexit} ({@code rep vmmcall}, F3 0F 01 D9): the SEV-ES/SNP exit to the hypervisor through
     * the GHCB whose address is in MSR 0xC0010130.
     */
    public void vmgexit() {
        plain(0xF3, false, Encoder.MAP_0F, 0x01);
        enc.buf.emit8(0xD9);
    }

    /**
     * {@code pvalidate} (F2 0F 01 FF): validates (rdx=1) or rescinds (rdx=0) the private page at virtual
     * address rax, size rcx (0 = 4 KiB, 1 = 2 MiB); eax = result, CF=1 when the RMP did not change.
     */
    public void pvalidate() {
        plain(0xF2, false, Encoder.MAP_0F, 0x01);
        enc.buf.emit8(0xFF);
    }

    public void swapgs() {
        plain(0, false, Encoder.MAP_0F, 0x01);
        enc.buf.emit8(0xF8);
    }

    /** Hardware random number into a 16/32/64-bit register (CF=1 on success). */
    public void rdrand(Gpr dst) {
        notByte("rdrand", dst);
        rmExt("rdrand", dst.width(), Encoder.MAP_0F, 0, 0xC7, 6, dst, 0);
    }

    /** Hardware entropy into a 16/32/64-bit register (CF=1 on success). */
    public void rdseed(Gpr dst) {
        notByte("rdseed", dst);
        rmExt("rdseed", dst.width(), Encoder.MAP_0F, 0, 0xC7, 7, dst, 0);
    }

    public void lfence() {
        plain(0, false, Encoder.MAP_0F, 0xAE);
        enc.buf.emit8(0xE8);
    }

    public void mfence() {
        plain(0, false, Encoder.MAP_0F, 0xAE);
        enc.buf.emit8(0xF0);
    }

    public void sfence() {
        plain(0, false, Encoder.MAP_0F, 0xAE);
        enc.buf.emit8(0xF8);
    }

    /** rep stosb: stores al to [rdi], rcx times, advancing rdi in the direction flag's sense. */
    public void repStosb() {
        plain(0xF3, false, Encoder.MAP_NONE, 0xAA);
    }

    /** rep movsb: copies rcx bytes from [rsi] to [rdi], in the direction flag's sense. */
    public void repMovsb() {
        plain(0xF3, false, Encoder.MAP_NONE, 0xA4);
    }

    /** Clears the direction flag (string instructions move forwards). */
    public void cld() {
        plain(0, false, Encoder.MAP_NONE, 0xFC);
    }

    /** Sets the direction flag (string instructions move backwards). */
    public void std() {
        plain(0, false, Encoder.MAP_NONE, 0xFD);
    }

    public void pause() {
        plain(0xF3, false, Encoder.MAP_NONE, 0x90);
    }

    public void nop() {
        plain(0, false, Encoder.MAP_NONE, 0x90);
    }

    /**
     * One NOP instruction of exactly {@code size} bytes (1..9), in the forms the Intel and AMD manuals
     * recommend: 90, 66 90, then 0F 1F /0 with growing addressing forms.
     */
    public void nop(int size) {
        Mem rax = Mem.base(Reg.RAX);
        Mem raxRax = Mem.base(Reg.RAX, Reg.RAX, 1);
        switch (size) {
            case 1 -> nop();
            case 2 -> plain(0x66, false, Encoder.MAP_NONE, 0x90);
            case 3 -> rmExt("nop", Width.DWORD, Encoder.MAP_0F, 0, 0x1F, 0, rax, 0);
            case 4 -> rmExt("nop", Width.DWORD, Encoder.MAP_0F, 0, 0x1F, 0, rax.forceDisp8(), 0);
            case 5 -> rmExt("nop", Width.DWORD, Encoder.MAP_0F, 0, 0x1F, 0, raxRax.forceDisp8(), 0);
            case 6 -> rmExt("nop", Width.WORD, Encoder.MAP_0F, 0, 0x1F, 0, raxRax.forceDisp8(), 0);
            case 7 -> rmExt("nop", Width.DWORD, Encoder.MAP_0F, 0, 0x1F, 0, rax.forceDisp32(), 0);
            case 8 -> rmExt("nop", Width.DWORD, Encoder.MAP_0F, 0, 0x1F, 0, raxRax.forceDisp32(), 0);
            case 9 -> rmExt("nop", Width.WORD, Encoder.MAP_0F, 0, 0x1F, 0, raxRax.forceDisp32(), 0);
            default -> throw new IllegalArgumentException("nop: size " + size + " is not in 1..9");
        }
    }

    /** {@code mov crN, r64}. */
    public void mov(ControlReg dst, Gpr src) {
        requireWidth("mov", src, Width.QWORD);
        open();
        enc.modrm(0, false, false, Encoder.MAP_0F, 0x22, dst.index(), src, 0);
    }

    /** {@code mov r64, crN}. */
    public void mov(Gpr dst, ControlReg src) {
        requireWidth("mov", dst, Width.QWORD);
        open();
        enc.modrm(0, false, false, Encoder.MAP_0F, 0x20, src.index(), dst, 0);
    }

    /** Loads the GDT register from a 10-byte pseudo-descriptor. */
    public void lgdt(Mem src) {
        rmExt("lgdt", Width.DWORD, Encoder.MAP_0F, 0, 0x01, 2, src, 0);
    }

    /** Loads the IDT register from a 10-byte pseudo-descriptor. */
    public void lidt(Mem src) {
        rmExt("lidt", Width.DWORD, Encoder.MAP_0F, 0, 0x01, 3, src, 0);
    }

    /** Loads the task register from a 16-bit selector register. */
    public void ltr(Gpr selector) {
        requireWidth("ltr", selector, Width.WORD);
        rmExt("ltr", Width.DWORD, Encoder.MAP_0F, 0, 0x00, 3, selector, 0);
    }

    public void ltr(Mem selector) {
        rmExt("ltr", Width.DWORD, Encoder.MAP_0F, 0, 0x00, 3, selector, 0);
    }

    public void invlpg(Mem page) {
        rmExt("invlpg", Width.DWORD, Encoder.MAP_0F, 0, 0x01, 7, page, 0);
    }

    // ---------------------------------------------------------------------------------------------
    // SSE moves (register-to-register uses the load opcode, as GNU as does)

    public void movss(Xmm dst, XmmOrMem src) {
        sseRaw("movss", 0xF3, false, Encoder.MAP_0F, 0x10, dst.index(), src, 0);
    }

    public void movss(Mem dst, Xmm src) {
        sseRaw("movss", 0xF3, false, Encoder.MAP_0F, 0x11, src.index(), dst, 0);
    }

    public void movsd(Xmm dst, XmmOrMem src) {
        sseRaw("movsd", 0xF2, false, Encoder.MAP_0F, 0x10, dst.index(), src, 0);
    }

    public void movsd(Mem dst, Xmm src) {
        sseRaw("movsd", 0xF2, false, Encoder.MAP_0F, 0x11, src.index(), dst, 0);
    }

    public void movups(Xmm dst, XmmOrMem src) {
        sseRaw("movups", 0, false, Encoder.MAP_0F, 0x10, dst.index(), src, 0);
    }

    public void movups(Mem dst, Xmm src) {
        sseRaw("movups", 0, false, Encoder.MAP_0F, 0x11, src.index(), dst, 0);
    }

    public void movupd(Xmm dst, XmmOrMem src) {
        sseRaw("movupd", 0x66, false, Encoder.MAP_0F, 0x10, dst.index(), src, 0);
    }

    public void movupd(Mem dst, Xmm src) {
        sseRaw("movupd", 0x66, false, Encoder.MAP_0F, 0x11, src.index(), dst, 0);
    }

    public void movaps(Xmm dst, XmmOrMem src) {
        sseRaw("movaps", 0, false, Encoder.MAP_0F, 0x28, dst.index(), src, 0);
    }

    public void movaps(Mem dst, Xmm src) {
        sseRaw("movaps", 0, false, Encoder.MAP_0F, 0x29, src.index(), dst, 0);
    }

    public void movapd(Xmm dst, XmmOrMem src) {
        sseRaw("movapd", 0x66, false, Encoder.MAP_0F, 0x28, dst.index(), src, 0);
    }

    public void movapd(Mem dst, Xmm src) {
        sseRaw("movapd", 0x66, false, Encoder.MAP_0F, 0x29, src.index(), dst, 0);
    }

    public void movdqa(Xmm dst, XmmOrMem src) {
        sseRaw("movdqa", 0x66, false, Encoder.MAP_0F, 0x6F, dst.index(), src, 0);
    }

    public void movdqa(Mem dst, Xmm src) {
        sseRaw("movdqa", 0x66, false, Encoder.MAP_0F, 0x7F, src.index(), dst, 0);
    }

    public void movdqu(Xmm dst, XmmOrMem src) {
        sseRaw("movdqu", 0xF3, false, Encoder.MAP_0F, 0x6F, dst.index(), src, 0);
    }

    public void movdqu(Mem dst, Xmm src) {
        sseRaw("movdqu", 0xF3, false, Encoder.MAP_0F, 0x7F, src.index(), dst, 0);
    }

    /** {@code movd xmm, r32/m32} (zeroes the upper lanes). */
    public void movd(Xmm dst, GprOrMem src) {
        if (src instanceof Gpr g) {
            requireWidth("movd", g, Width.DWORD);
        }
        sseRaw("movd", 0x66, false, Encoder.MAP_0F, 0x6E, dst.index(), src, 0);
    }

    /** {@code movd r32/m32, xmm}. */
    public void movd(GprOrMem dst, Xmm src) {
        if (dst instanceof Gpr g) {
            requireWidth("movd", g, Width.DWORD);
        }
        sseRaw("movd", 0x66, false, Encoder.MAP_0F, 0x7E, src.index(), dst, 0);
    }

    /** {@code movq xmm, r64}. */
    public void movq(Xmm dst, Gpr src) {
        requireWidth("movq", src, Width.QWORD);
        sseRaw("movq", 0x66, true, Encoder.MAP_0F, 0x6E, dst.index(), src, 0);
    }

    /** {@code movq r64, xmm}. */
    public void movq(Gpr dst, Xmm src) {
        requireWidth("movq", dst, Width.QWORD);
        sseRaw("movq", 0x66, true, Encoder.MAP_0F, 0x7E, src.index(), dst, 0);
    }

    /** {@code movq xmm, xmm/m64} (zeroes the upper qword). */
    public void movq(Xmm dst, XmmOrMem src) {
        sseRaw("movq", 0xF3, false, Encoder.MAP_0F, 0x7E, dst.index(), src, 0);
    }

    /** {@code movq m64, xmm}. */
    public void movq(Mem dst, Xmm src) {
        sseRaw("movq", 0x66, false, Encoder.MAP_0F, 0xD6, src.index(), dst, 0);
    }

    // ---------------------------------------------------------------------------------------------
    // SSE conversions between integer registers and floats

    /** Signed 32/64-bit integer register to float. */
    public void cvtsi2ss(Xmm dst, Gpr src) {
        intToFloat("cvtsi2ss", 0xF3, dst, src.width(), src);
    }

    /** Signed DWORD or QWORD in memory to float. */
    public void cvtsi2ss(Xmm dst, Width srcWidth, Mem src) {
        intToFloat("cvtsi2ss", 0xF3, dst, srcWidth, src);
    }

    public void cvtsi2sd(Xmm dst, Gpr src) {
        intToFloat("cvtsi2sd", 0xF2, dst, src.width(), src);
    }

    public void cvtsi2sd(Xmm dst, Width srcWidth, Mem src) {
        intToFloat("cvtsi2sd", 0xF2, dst, srcWidth, src);
    }

    /** Float to signed 32/64-bit integer, truncating. */
    public void cvttss2si(Gpr dst, XmmOrMem src) {
        floatToInt("cvttss2si", 0xF3, 0x2C, dst, src);
    }

    /** Float to signed 32/64-bit integer, rounding per MXCSR. */
    public void cvtss2si(Gpr dst, XmmOrMem src) {
        floatToInt("cvtss2si", 0xF3, 0x2D, dst, src);
    }

    public void cvttsd2si(Gpr dst, XmmOrMem src) {
        floatToInt("cvttsd2si", 0xF2, 0x2C, dst, src);
    }

    public void cvtsd2si(Gpr dst, XmmOrMem src) {
        floatToInt("cvtsd2si", 0xF2, 0x2D, dst, src);
    }

    // ---------------------------------------------------------------------------------------------
    // SSE lane moves, masks and immediate shifts

    /** Sign bits of the four floats into a 32-bit register. */
    public void movmskps(Gpr dst, Xmm src) {
        requireWidth("movmskps", dst, Width.DWORD);
        sseRaw("movmskps", 0, false, Encoder.MAP_0F, 0x50, dst.index(), src, 0);
    }

    public void movmskpd(Gpr dst, Xmm src) {
        requireWidth("movmskpd", dst, Width.DWORD);
        sseRaw("movmskpd", 0x66, false, Encoder.MAP_0F, 0x50, dst.index(), src, 0);
    }

    /** Sign bits of the sixteen bytes into a 32-bit register. */
    public void pmovmskb(Gpr dst, Xmm src) {
        requireWidth("pmovmskb", dst, Width.DWORD);
        sseRaw("pmovmskb", 0x66, false, Encoder.MAP_0F, 0xD7, dst.index(), src, 0);
    }

    /** Inserts a byte from r32 (low 8 bits) or m8 into lane {@code lane} (0..15). */
    public void pinsrb(Xmm dst, GprOrMem src, int lane) {
        insert("pinsrb", 0x66, false, Encoder.MAP_0F3A, 0x20, dst, src, Width.DWORD, lane);
    }

    /** Inserts a word from r32 (low 16 bits) or m16. */
    public void pinsrw(Xmm dst, GprOrMem src, int lane) {
        insert("pinsrw", 0x66, false, Encoder.MAP_0F, 0xC4, dst, src, Width.DWORD, lane);
    }

    public void pinsrd(Xmm dst, GprOrMem src, int lane) {
        insert("pinsrd", 0x66, false, Encoder.MAP_0F3A, 0x22, dst, src, Width.DWORD, lane);
    }

    public void pinsrq(Xmm dst, GprOrMem src, int lane) {
        insert("pinsrq", 0x66, true, Encoder.MAP_0F3A, 0x22, dst, src, Width.QWORD, lane);
    }

    /** Extracts byte lane {@code lane} zero-extended into r32, or stores it to m8. */
    public void pextrb(GprOrMem dst, Xmm src, int lane) {
        extract("pextrb", false, 0x14, dst, src, Width.DWORD, lane);
    }

    /** Extracts word lane zero-extended into r32 (the SSE2 C5 form). */
    public void pextrw(Gpr dst, Xmm src, int lane) {
        requireWidth("pextrw", dst, Width.DWORD);
        long value = imm8("pextrw", lane);
        sseRaw("pextrw", 0x66, false, Encoder.MAP_0F, 0xC5, dst.index(), src, 1);
        enc.immediate(1, value);
    }

    /** Stores word lane to m16 (the SSE4.1 form). */
    public void pextrw(Mem dst, Xmm src, int lane) {
        extract("pextrw", false, 0x15, dst, src, Width.DWORD, lane);
    }

    public void pextrd(GprOrMem dst, Xmm src, int lane) {
        extract("pextrd", false, 0x16, dst, src, Width.DWORD, lane);
    }

    public void pextrq(GprOrMem dst, Xmm src, int lane) {
        extract("pextrq", true, 0x16, dst, src, Width.QWORD, lane);
    }

    /** Float lane {@code lane} as raw bits into r32 or m32. */
    public void extractps(GprOrMem dst, Xmm src, int lane) {
        extract("extractps", false, 0x17, dst, src, Width.DWORD, lane);
    }

    public void psllw(Xmm dst, int count) {
        shiftImm("psllw", 0x71, 6, dst, count);
    }

    public void pslld(Xmm dst, int count) {
        shiftImm("pslld", 0x72, 6, dst, count);
    }

    public void psllq(Xmm dst, int count) {
        shiftImm("psllq", 0x73, 6, dst, count);
    }

    public void psrlw(Xmm dst, int count) {
        shiftImm("psrlw", 0x71, 2, dst, count);
    }

    public void psrld(Xmm dst, int count) {
        shiftImm("psrld", 0x72, 2, dst, count);
    }

    public void psrlq(Xmm dst, int count) {
        shiftImm("psrlq", 0x73, 2, dst, count);
    }

    public void psraw(Xmm dst, int count) {
        shiftImm("psraw", 0x71, 4, dst, count);
    }

    public void psrad(Xmm dst, int count) {
        shiftImm("psrad", 0x72, 4, dst, count);
    }

    /** Whole-register shift left by {@code count} bytes. */
    public void pslldq(Xmm dst, int count) {
        shiftImm("pslldq", 0x73, 7, dst, count);
    }

    /** Whole-register shift right by {@code count} bytes. */
    public void psrldq(Xmm dst, int count) {
        shiftImm("psrldq", 0x73, 3, dst, count);
    }

    // ---------------------------------------------------------------------------------------------
    // The regular SSE instructions (table in SseOp)

    /** Emits {@code op dst, src} for a regular SSE instruction without an immediate. */
    public void sse(SseOp op, Xmm dst, XmmOrMem src) {
        if (op.takesImm8()) {
            throw new IllegalArgumentException(op.mnemonic() + " needs an imm8 operand");
        }
        registerOnly(op, src);
        sseRaw(op.mnemonic(), op.prefix, false, op.map, op.opcode, dst.index(), src, 0);
    }

    /** Emits {@code op dst, src, imm8} for a regular SSE instruction that takes an immediate. */
    public void sse(SseOp op, Xmm dst, XmmOrMem src, int imm8) {
        if (!op.takesImm8()) {
            throw new IllegalArgumentException(op.mnemonic() + " takes no imm8 operand");
        }
        registerOnly(op, src);
        long value = imm8(op.mnemonic(), imm8);
        sseRaw(op.mnemonic(), op.prefix, false, op.map, op.opcode, dst.index(), src, 1);
        enc.immediate(1, value);
    }

    // Named forms of the SseOp table

    public void sqrtps(Xmm dst, XmmOrMem src) {
        sse(SseOp.SQRTPS, dst, src);
    }

    public void addps(Xmm dst, XmmOrMem src) {
        sse(SseOp.ADDPS, dst, src);
    }

    public void mulps(Xmm dst, XmmOrMem src) {
        sse(SseOp.MULPS, dst, src);
    }

    public void subps(Xmm dst, XmmOrMem src) {
        sse(SseOp.SUBPS, dst, src);
    }

    public void minps(Xmm dst, XmmOrMem src) {
        sse(SseOp.MINPS, dst, src);
    }

    public void divps(Xmm dst, XmmOrMem src) {
        sse(SseOp.DIVPS, dst, src);
    }

    public void maxps(Xmm dst, XmmOrMem src) {
        sse(SseOp.MAXPS, dst, src);
    }

    public void sqrtpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.SQRTPD, dst, src);
    }

    public void addpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.ADDPD, dst, src);
    }

    public void mulpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.MULPD, dst, src);
    }

    public void subpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.SUBPD, dst, src);
    }

    public void minpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.MINPD, dst, src);
    }

    public void divpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.DIVPD, dst, src);
    }

    public void maxpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.MAXPD, dst, src);
    }

    public void sqrtss(Xmm dst, XmmOrMem src) {
        sse(SseOp.SQRTSS, dst, src);
    }

    public void addss(Xmm dst, XmmOrMem src) {
        sse(SseOp.ADDSS, dst, src);
    }

    public void mulss(Xmm dst, XmmOrMem src) {
        sse(SseOp.MULSS, dst, src);
    }

    public void subss(Xmm dst, XmmOrMem src) {
        sse(SseOp.SUBSS, dst, src);
    }

    public void minss(Xmm dst, XmmOrMem src) {
        sse(SseOp.MINSS, dst, src);
    }

    public void divss(Xmm dst, XmmOrMem src) {
        sse(SseOp.DIVSS, dst, src);
    }

    public void maxss(Xmm dst, XmmOrMem src) {
        sse(SseOp.MAXSS, dst, src);
    }

    public void sqrtsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.SQRTSD, dst, src);
    }

    public void addsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.ADDSD, dst, src);
    }

    public void mulsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.MULSD, dst, src);
    }

    public void subsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.SUBSD, dst, src);
    }

    public void minsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.MINSD, dst, src);
    }

    public void divsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.DIVSD, dst, src);
    }

    public void maxsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.MAXSD, dst, src);
    }

    public void andps(Xmm dst, XmmOrMem src) {
        sse(SseOp.ANDPS, dst, src);
    }

    public void andnps(Xmm dst, XmmOrMem src) {
        sse(SseOp.ANDNPS, dst, src);
    }

    public void orps(Xmm dst, XmmOrMem src) {
        sse(SseOp.ORPS, dst, src);
    }

    public void xorps(Xmm dst, XmmOrMem src) {
        sse(SseOp.XORPS, dst, src);
    }

    public void andpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.ANDPD, dst, src);
    }

    public void andnpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.ANDNPD, dst, src);
    }

    public void orpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.ORPD, dst, src);
    }

    public void xorpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.XORPD, dst, src);
    }

    public void ucomiss(Xmm dst, XmmOrMem src) {
        sse(SseOp.UCOMISS, dst, src);
    }

    public void comiss(Xmm dst, XmmOrMem src) {
        sse(SseOp.COMISS, dst, src);
    }

    public void ucomisd(Xmm dst, XmmOrMem src) {
        sse(SseOp.UCOMISD, dst, src);
    }

    public void comisd(Xmm dst, XmmOrMem src) {
        sse(SseOp.COMISD, dst, src);
    }

    public void cmpps(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.CMPPS, dst, src, imm8);
    }

    public void cmppd(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.CMPPD, dst, src, imm8);
    }

    public void cmpss(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.CMPSS, dst, src, imm8);
    }

    public void cmpsd(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.CMPSD, dst, src, imm8);
    }

    public void cvtss2sd(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTSS2SD, dst, src);
    }

    public void cvttps2dq(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTTPS2DQ, dst, src);
    }

    public void cvtdq2pd(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTDQ2PD, dst, src);
    }

    public void cvtsd2ss(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTSD2SS, dst, src);
    }

    public void cvtpd2dq(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTPD2DQ, dst, src);
    }

    public void cvtps2pd(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTPS2PD, dst, src);
    }

    public void cvtdq2ps(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTDQ2PS, dst, src);
    }

    public void cvtpd2ps(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTPD2PS, dst, src);
    }

    public void cvtps2dq(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTPS2DQ, dst, src);
    }

    public void cvttpd2dq(Xmm dst, XmmOrMem src) {
        sse(SseOp.CVTTPD2DQ, dst, src);
    }

    public void roundps(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.ROUNDPS, dst, src, imm8);
    }

    public void roundpd(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.ROUNDPD, dst, src, imm8);
    }

    public void roundss(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.ROUNDSS, dst, src, imm8);
    }

    public void roundsd(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.ROUNDSD, dst, src, imm8);
    }

    public void unpcklps(Xmm dst, XmmOrMem src) {
        sse(SseOp.UNPCKLPS, dst, src);
    }

    public void unpckhps(Xmm dst, XmmOrMem src) {
        sse(SseOp.UNPCKHPS, dst, src);
    }

    public void movhlps(Xmm dst, Xmm src) {
        sse(SseOp.MOVHLPS, dst, src);
    }

    public void movlhps(Xmm dst, Xmm src) {
        sse(SseOp.MOVLHPS, dst, src);
    }

    public void unpcklpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.UNPCKLPD, dst, src);
    }

    public void unpckhpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.UNPCKHPD, dst, src);
    }

    public void shufps(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.SHUFPS, dst, src, imm8);
    }

    public void shufpd(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.SHUFPD, dst, src, imm8);
    }

    public void pshufd(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.PSHUFD, dst, src, imm8);
    }

    public void pshuflw(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.PSHUFLW, dst, src, imm8);
    }

    public void pshufhw(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.PSHUFHW, dst, src, imm8);
    }

    public void punpcklbw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PUNPCKLBW, dst, src);
    }

    public void punpcklwd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PUNPCKLWD, dst, src);
    }

    public void punpckldq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PUNPCKLDQ, dst, src);
    }

    public void punpcklqdq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PUNPCKLQDQ, dst, src);
    }

    public void punpckhbw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PUNPCKHBW, dst, src);
    }

    public void punpckhwd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PUNPCKHWD, dst, src);
    }

    public void punpckhdq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PUNPCKHDQ, dst, src);
    }

    public void punpckhqdq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PUNPCKHQDQ, dst, src);
    }

    public void packsswb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PACKSSWB, dst, src);
    }

    public void packuswb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PACKUSWB, dst, src);
    }

    public void packssdw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PACKSSDW, dst, src);
    }

    public void pand(Xmm dst, XmmOrMem src) {
        sse(SseOp.PAND, dst, src);
    }

    public void pandn(Xmm dst, XmmOrMem src) {
        sse(SseOp.PANDN, dst, src);
    }

    public void por(Xmm dst, XmmOrMem src) {
        sse(SseOp.POR, dst, src);
    }

    public void pxor(Xmm dst, XmmOrMem src) {
        sse(SseOp.PXOR, dst, src);
    }

    public void paddb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PADDB, dst, src);
    }

    public void paddw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PADDW, dst, src);
    }

    public void paddd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PADDD, dst, src);
    }

    public void paddq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PADDQ, dst, src);
    }

    public void psubb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSUBB, dst, src);
    }

    public void psubw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSUBW, dst, src);
    }

    public void psubd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSUBD, dst, src);
    }

    public void psubq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSUBQ, dst, src);
    }

    public void paddsb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PADDSB, dst, src);
    }

    public void paddsw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PADDSW, dst, src);
    }

    public void paddusb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PADDUSB, dst, src);
    }

    public void paddusw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PADDUSW, dst, src);
    }

    public void psubsb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSUBSB, dst, src);
    }

    public void psubsw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSUBSW, dst, src);
    }

    public void psubusb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSUBUSB, dst, src);
    }

    public void psubusw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSUBUSW, dst, src);
    }

    public void pcmpeqb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PCMPEQB, dst, src);
    }

    public void pcmpeqw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PCMPEQW, dst, src);
    }

    public void pcmpeqd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PCMPEQD, dst, src);
    }

    public void pcmpgtb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PCMPGTB, dst, src);
    }

    public void pcmpgtw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PCMPGTW, dst, src);
    }

    public void pcmpgtd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PCMPGTD, dst, src);
    }

    public void pmullw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMULLW, dst, src);
    }

    public void pmulhw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMULHW, dst, src);
    }

    public void pmulhuw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMULHUW, dst, src);
    }

    public void pmuludq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMULUDQ, dst, src);
    }

    public void pmaddwd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMADDWD, dst, src);
    }

    public void pminub(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMINUB, dst, src);
    }

    public void pmaxub(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMAXUB, dst, src);
    }

    public void pminsw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMINSW, dst, src);
    }

    public void pmaxsw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMAXSW, dst, src);
    }

    public void pavgb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PAVGB, dst, src);
    }

    public void pavgw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PAVGW, dst, src);
    }

    public void psllw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSLLW, dst, src);
    }

    public void pslld(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSLLD, dst, src);
    }

    public void psllq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSLLQ, dst, src);
    }

    public void psrlw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSRLW, dst, src);
    }

    public void psrld(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSRLD, dst, src);
    }

    public void psrlq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSRLQ, dst, src);
    }

    public void psraw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSRAW, dst, src);
    }

    public void psrad(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSRAD, dst, src);
    }

    public void pshufb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PSHUFB, dst, src);
    }

    public void pabsb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PABSB, dst, src);
    }

    public void pabsw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PABSW, dst, src);
    }

    public void pabsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PABSD, dst, src);
    }

    public void pblendvb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PBLENDVB, dst, src);
    }

    public void blendvps(Xmm dst, XmmOrMem src) {
        sse(SseOp.BLENDVPS, dst, src);
    }

    public void blendvpd(Xmm dst, XmmOrMem src) {
        sse(SseOp.BLENDVPD, dst, src);
    }

    public void ptest(Xmm dst, XmmOrMem src) {
        sse(SseOp.PTEST, dst, src);
    }

    public void pmovsxbw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVSXBW, dst, src);
    }

    public void pmovsxbd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVSXBD, dst, src);
    }

    public void pmovsxbq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVSXBQ, dst, src);
    }

    public void pmovsxwd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVSXWD, dst, src);
    }

    public void pmovsxwq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVSXWQ, dst, src);
    }

    public void pmovsxdq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVSXDQ, dst, src);
    }

    public void pmuldq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMULDQ, dst, src);
    }

    public void pcmpeqq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PCMPEQQ, dst, src);
    }

    public void packusdw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PACKUSDW, dst, src);
    }

    public void pmovzxbw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVZXBW, dst, src);
    }

    public void pmovzxbd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVZXBD, dst, src);
    }

    public void pmovzxbq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVZXBQ, dst, src);
    }

    public void pmovzxwd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVZXWD, dst, src);
    }

    public void pmovzxwq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVZXWQ, dst, src);
    }

    public void pmovzxdq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMOVZXDQ, dst, src);
    }

    public void pcmpgtq(Xmm dst, XmmOrMem src) {
        sse(SseOp.PCMPGTQ, dst, src);
    }

    public void pminsb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMINSB, dst, src);
    }

    public void pminsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMINSD, dst, src);
    }

    public void pminuw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMINUW, dst, src);
    }

    public void pminud(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMINUD, dst, src);
    }

    public void pmaxsb(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMAXSB, dst, src);
    }

    public void pmaxsd(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMAXSD, dst, src);
    }

    public void pmaxuw(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMAXUW, dst, src);
    }

    public void pmaxud(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMAXUD, dst, src);
    }

    public void pmulld(Xmm dst, XmmOrMem src) {
        sse(SseOp.PMULLD, dst, src);
    }

    public void blendps(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.BLENDPS, dst, src, imm8);
    }

    public void blendpd(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.BLENDPD, dst, src, imm8);
    }

    public void pblendw(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.PBLENDW, dst, src, imm8);
    }

    public void palignr(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.PALIGNR, dst, src, imm8);
    }

    public void insertps(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.INSERTPS, dst, src, imm8);
    }

    public void dpps(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.DPPS, dst, src, imm8);
    }

    public void dppd(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.DPPD, dst, src, imm8);
    }

    /** One AES decryption round's inverse MixColumns, for turning encryption round keys into decryption ones. */
    public void aesimc(Xmm dst, XmmOrMem src) {
        sse(SseOp.AESIMC, dst, src);
    }

    /** One AES encryption round: dst = MixColumns(ShiftRows(SubBytes(dst))) ^ src (the round key). */
    public void aesenc(Xmm dst, XmmOrMem src) {
        sse(SseOp.AESENC, dst, src);
    }

    /** The last AES encryption round (no MixColumns). */
    public void aesenclast(Xmm dst, XmmOrMem src) {
        sse(SseOp.AESENCLAST, dst, src);
    }

    public void aesdec(Xmm dst, XmmOrMem src) {
        sse(SseOp.AESDEC, dst, src);
    }

    public void aesdeclast(Xmm dst, XmmOrMem src) {
        sse(SseOp.AESDECLAST, dst, src);
    }

    /** Key-schedule helper: SubWord/RotWord of src's dwords 1 and 3, with {@code rcon} xor'ed in. */
    public void aeskeygenassist(Xmm dst, XmmOrMem src, int rcon) {
        sse(SseOp.AESKEYGENASSIST, dst, src, rcon);
    }

    /**
     * Carry-less 64x64 to 128-bit multiply; imm8 bit 0 picks the qword of dst, bit 4 the qword of src
     * (GNU as spells the four selectors pclmullqlqdq .. pclmulhqhqdq; this is the generic form).
     */
    public void pclmulqdq(Xmm dst, XmmOrMem src, int imm8) {
        sse(SseOp.PCLMULQDQ, dst, src, imm8);
    }

    // ---------------------------------------------------------------------------------------------
    // Encoding helpers

    /** ModRM instruction whose reg field is the register {@code reg}; width selects op8 / 66 / REX.W. */
    private void rm(String mnemonic, Width w, int map, int op8, int op, Gpr reg, Object rmOperand, int immBytes) {
        checkMem(mnemonic, rmOperand);
        open();
        boolean rex40 = needsRex40(reg) || (rmOperand instanceof Gpr g && needsRex40(g));
        enc.modrm(legacy(w), w == Width.QWORD, rex40, map, w == Width.BYTE ? op8 : op, reg.index(), rmOperand,
            immBytes);
    }

    /** ModRM instruction whose reg field is an opcode extension /ext. */
    private void rmExt(String mnemonic, Width w, int map, int op8, int op, int ext, Object rmOperand, int immBytes) {
        checkMem(mnemonic, rmOperand);
        open();
        boolean rex40 = rmOperand instanceof Gpr g && needsRex40(g);
        enc.modrm(legacy(w), w == Width.QWORD, rex40, map, w == Width.BYTE ? op8 : op, ext, rmOperand, immBytes);
    }

    private void sseRaw(String mnemonic, int prefix, boolean w, int map, int op, int reg, Object rmOperand,
                        int immBytes) {
        checkMem(mnemonic, rmOperand);
        open();
        enc.modrm(prefix, w, false, map, op, reg, rmOperand, immBytes);
    }

    private void plain(int legacyPrefix, boolean w, int map, int opcode) {
        open();
        enc.plain(legacyPrefix, w, map, opcode);
    }

    private void alu(String mnemonic, int n, Gpr dst, Gpr src) {
        sameWidth(mnemonic, dst, src);
        rm(mnemonic, dst.width(), Encoder.MAP_NONE, n << 3, n << 3 | 1, src, dst, 0);
    }

    private void alu(String mnemonic, int n, Gpr dst, Mem src) {
        rm(mnemonic, dst.width(), Encoder.MAP_NONE, n << 3 | 2, n << 3 | 3, dst, src, 0);
    }

    private void alu(String mnemonic, int n, Mem dst, Gpr src) {
        rm(mnemonic, src.width(), Encoder.MAP_NONE, n << 3, n << 3 | 1, src, dst, 0);
    }

    /**
     * Group-1 immediate forms in GNU as's order of preference: imm8 sign-extended (83 /n) when the
     * value fits, then the accumulator short form, then the full-width 80/81 /n.
     */
    private void aluImm(String mnemonic, int n, Width w, GprOrMem dst, long imm) {
        long value = immediate(mnemonic, w, imm);
        boolean accumulator = dst instanceof Gpr g && g.index() == 0;
        if (w == Width.BYTE) {
            if (accumulator) {
                accumulatorImm(w, n << 3 | 4, 0, value);
            } else {
                rmExt(mnemonic, w, Encoder.MAP_NONE, 0x80, 0x80, n, dst, 1);
                enc.immediate(1, value);
            }
        } else if (value == (byte) value) {
            rmExt(mnemonic, w, Encoder.MAP_NONE, 0x83, 0x83, n, dst, 1);
            enc.immediate(1, value);
        } else if (accumulator) {
            accumulatorImm(w, 0, n << 3 | 5, value);
        } else {
            rmExt(mnemonic, w, Encoder.MAP_NONE, 0x81, 0x81, n, dst, immBytes(w));
            enc.immediate(immBytes(w), value);
        }
    }

    private void accumulatorImm(Width w, int op8, int op, long value) {
        plain(legacy(w), w == Width.QWORD, Encoder.MAP_NONE, w == Width.BYTE ? op8 : op);
        enc.immediate(immBytes(w), value);
    }

    private void extend(String mnemonic, int opByteSource, Gpr dst, Width srcWidth, GprOrMem src) {
        if (srcWidth != Width.BYTE && srcWidth != Width.WORD) {
            throw new IllegalArgumentException(mnemonic + ": source must be 8 or 16 bits, got " + srcWidth.bits());
        }
        if (dst.bits() <= srcWidth.bits()) {
            throw new IllegalArgumentException(mnemonic + ": destination " + dst + " must be wider than the "
                + srcWidth.bits() + "-bit source");
        }
        int op = srcWidth == Width.BYTE ? opByteSource : opByteSource + 1;
        checkMem(mnemonic, src);
        open();
        boolean rex40 = src instanceof Gpr g && needsRex40(g);
        enc.modrm(legacy(dst.width()), dst.width() == Width.QWORD, rex40, Encoder.MAP_0F, op, dst.index(), src, 0);
    }

    private void bitCount(String mnemonic, int op, Gpr dst, GprOrMem src) {
        notByte(mnemonic, dst);
        int prefixes = dst.width() == Width.WORD ? 0x66F3 : 0xF3;
        sseRaw(mnemonic, prefixes, dst.width() == Width.QWORD, Encoder.MAP_0F, op, dst.index(), src, 0);
    }

    private void bitScan(String mnemonic, int op, Gpr dst, GprOrMem src) {
        notByte(mnemonic, dst);
        if (src instanceof Gpr s) {
            sameWidth(mnemonic, dst, s);
        }
        rm(mnemonic, dst.width(), Encoder.MAP_0F, op, op, dst, src, 0);
    }

    private void bitTest(String mnemonic, int op, GprOrMem base, Gpr bit) {
        notByte(mnemonic, bit);
        rm(mnemonic, bit.width(), Encoder.MAP_0F, op, op, bit, base, 0);
    }

    private void bitTestImm(String mnemonic, int ext, Width w, GprOrMem base, int bit) {
        if (w == Width.BYTE) {
            throw new IllegalArgumentException(mnemonic + " has no 8-bit form");
        }
        long value = imm8(mnemonic, bit);
        rmExt(mnemonic, w, Encoder.MAP_0F, 0xBA, 0xBA, ext, base, 1);
        enc.immediate(1, value);
    }

    private void shift(String mnemonic, int ext, Width w, GprOrMem dst, int count) {
        long value = imm8(mnemonic, count);
        if (count == 1) {
            rmExt(mnemonic, w, Encoder.MAP_NONE, 0xD0, 0xD1, ext, dst, 0);
        } else {
            rmExt(mnemonic, w, Encoder.MAP_NONE, 0xC0, 0xC1, ext, dst, 1);
            enc.immediate(1, value);
        }
    }

    private void shiftByCl(String mnemonic, int ext, Width w, GprOrMem dst, Gpr count) {
        if (count != Reg.CL) {
            throw new IllegalArgumentException(mnemonic + ": a register shift count must be cl, got " + count);
        }
        rmExt(mnemonic, w, Encoder.MAP_NONE, 0xD2, 0xD3, ext, dst, 0);
    }

    private void cmov(Cond cond, Gpr dst, GprOrMem src) {
        notByte("cmov" + cond.suffix(), dst);
        int op = 0x40 | cond.code();
        rm("cmov" + cond.suffix(), dst.width(), Encoder.MAP_0F, op, op, dst, src, 0);
    }

    private void branch(String mnemonic, int cc, Label target, int relBytes) {
        ownLabel(target, mnemonic);
        open();
        if (relBytes == 1) {
            enc.plain(0, false, Encoder.MAP_NONE, cc < 0 ? 0xEB : 0x70 | cc);
            int at = enc.buf.position();
            enc.buf.emit8(0);
            enc.fixups.add(new Fixup(Fixup.Kind.REL8, at, target, at + 1, null, 0));
        } else {
            if (cc < 0) {
                enc.plain(0, false, Encoder.MAP_NONE, 0xE9);
            } else {
                enc.plain(0, false, Encoder.MAP_0F, 0x80 | cc);
            }
            rel32Hole(target);
        }
    }

    /** Whether a 2-byte short branch emitted here would reach the (bound) label. */
    private boolean isNearEnough(Label target) {
        ownLabel(target, "jump");
        if (!target.isBound()) {
            return false;
        }
        long rel = (long) target.offset() - (enc.buf.position() + 2);
        return rel == (byte) rel;
    }

    private void rel32Hole(Label target) {
        int at = enc.buf.position();
        enc.buf.emit32(0);
        enc.fixups.add(new Fixup(Fixup.Kind.REL32, at, target, at + 4, null, 0));
    }

    private static void accumulatorIo(String mnemonic, Gpr reg) {
        if (reg.index() != 0 || reg.width() == Width.QWORD) {
            throw new IllegalArgumentException(mnemonic + " transfers through al, ax or eax, got " + reg);
        }
    }

    private static void requireDx(String mnemonic, Gpr port) {
        if (port != Reg.DX) {
            throw new IllegalArgumentException(mnemonic + ": a register port must be dx, got " + port);
        }
    }

    private static int port8(String mnemonic, int port) {
        if (port < 0 || port > 255) {
            throw new IllegalArgumentException(mnemonic + ": immediate port " + port + " is not in 0..255 (use dx)");
        }
        return port;
    }

    private void intToFloat(String mnemonic, int prefix, Xmm dst, Width srcWidth, GprOrMem src) {
        if (srcWidth != Width.DWORD && srcWidth != Width.QWORD) {
            throw new IllegalArgumentException(mnemonic + ": integer source must be 32 or 64 bits, got "
                + srcWidth.bits());
        }
        sseRaw(mnemonic, prefix, srcWidth == Width.QWORD, Encoder.MAP_0F, 0x2A, dst.index(), src, 0);
    }

    private void floatToInt(String mnemonic, int prefix, int op, Gpr dst, XmmOrMem src) {
        if (dst.width() != Width.DWORD && dst.width() != Width.QWORD) {
            throw new IllegalArgumentException(mnemonic + ": destination must be a 32- or 64-bit register, got " + dst);
        }
        sseRaw(mnemonic, prefix, dst.width() == Width.QWORD, Encoder.MAP_0F, op, dst.index(), src, 0);
    }

    private void insert(String mnemonic, int prefix, boolean w, int map, int op, Xmm dst, GprOrMem src,
                        Width gprWidth, int lane) {
        if (src instanceof Gpr g) {
            requireWidth(mnemonic, g, gprWidth);
        }
        long value = imm8(mnemonic, lane);
        sseRaw(mnemonic, prefix, w, map, op, dst.index(), src, 1);
        enc.immediate(1, value);
    }

    private void extract(String mnemonic, boolean w, int op, GprOrMem dst, Xmm src, Width gprWidth, int lane) {
        if (dst instanceof Gpr g) {
            requireWidth(mnemonic, g, gprWidth);
        }
        long value = imm8(mnemonic, lane);
        sseRaw(mnemonic, 0x66, w, Encoder.MAP_0F3A, op, src.index(), dst, 1);
        enc.immediate(1, value);
    }

    private void shiftImm(String mnemonic, int op, int ext, Xmm dst, int count) {
        long value = imm8(mnemonic, count);
        sseRaw(mnemonic, 0x66, false, Encoder.MAP_0F, op, ext, dst, 1);
        enc.immediate(1, value);
    }

    private static void registerOnly(SseOp op, XmmOrMem src) {
        if (op.registerSourceOnly() && src instanceof Mem) {
            // With a memory operand these opcodes are different instructions (movlps / movhps).
            throw new IllegalArgumentException(op.mnemonic() + " takes only a register source, got " + src);
        }
    }

    private void checkMem(String mnemonic, Object operand) {
        if (operand == null) {
            throw new IllegalArgumentException(mnemonic + ": operand is null");
        }
        if (operand instanceof Mem m && m.isRipRelative()) {
            ownLabel(m.ripTarget(), mnemonic);
        }
    }

    private static boolean needsRex40(Gpr reg) {
        // spl, bpl, sil, dil exist only with a REX prefix (without one, 4..7 mean ah, ch, dh, bh).
        return reg.width() == Width.BYTE && reg.index() >= 4 && reg.index() <= 7;
    }

    private static int legacy(Width w) {
        return w == Width.WORD ? 0x66 : 0;
    }

    private static int immBytes(Width w) {
        return switch (w) {
            case BYTE -> 1;
            case WORD -> 2;
            default -> 4;
        };
    }

    /**
     * Checks that {@code imm} is representable in an operand of width {@code w} (either as a signed or
     * an unsigned value) and returns it sign-extended from that width, which is what decides whether
     * an imm8 form applies. A 64-bit operation only takes a sign-extended imm32.
     */
    private static long immediate(String mnemonic, Width w, long imm) {
        switch (w) {
            case BYTE -> {
                if (imm >= -0x80 && imm <= 0xFF) {
                    return (byte) imm;
                }
            }
            case WORD -> {
                if (imm >= -0x8000 && imm <= 0xFFFF) {
                    return (short) imm;
                }
            }
            case DWORD -> {
                if (imm >= Integer.MIN_VALUE && imm <= 0xFFFF_FFFFL) {
                    return (int) imm;
                }
            }
            case QWORD -> {
                if (imm == (int) imm) {
                    return imm;
                }
                throw new IllegalArgumentException(mnemonic + ": immediate " + imm
                    + " does not fit a sign-extended 32-bit field (load it with mov first)");
            }
        }
        throw new IllegalArgumentException(mnemonic + ": immediate " + imm + " does not fit " + w.bits() + " bits");
    }

    private static long imm8(String mnemonic, int value) {
        if (value < -0x80 || value > 0xFF) {
            throw new IllegalArgumentException(mnemonic + ": immediate " + value + " does not fit 8 bits");
        }
        return value & 0xFF;
    }

    private static void sameWidth(String mnemonic, Gpr a, Gpr b) {
        if (a.width() != b.width()) {
            throw new IllegalArgumentException(mnemonic + ": operand widths differ (" + a + ", " + b + ")");
        }
    }

    private static void requireWidth(String mnemonic, Gpr reg, Width w) {
        if (reg.width() != w) {
            throw new IllegalArgumentException(mnemonic + ": needs a " + w.bits() + "-bit register here, got " + reg);
        }
    }

    private static void notByte(String mnemonic, Gpr reg) {
        if (reg.width() == Width.BYTE) {
            throw new IllegalArgumentException(mnemonic + " has no 8-bit form, got " + reg);
        }
    }
}
