package dev.keep.shim.snp;

import static dev.keep.shim.asm.Reg.EAX;
import static dev.keep.shim.asm.Reg.ECX;
import static dev.keep.shim.asm.Reg.EDI;
import static dev.keep.shim.asm.Reg.ESI;
import static dev.keep.shim.asm.Reg.R10;
import static dev.keep.shim.asm.Reg.R11;
import static dev.keep.shim.asm.Reg.R12;
import static dev.keep.shim.asm.Reg.R13;
import static dev.keep.shim.asm.Reg.R14;
import static dev.keep.shim.asm.Reg.R15;
import static dev.keep.shim.asm.Reg.RAX;
import static dev.keep.shim.asm.Reg.RBP;
import static dev.keep.shim.asm.Reg.RBX;
import static dev.keep.shim.asm.Reg.RCX;
import static dev.keep.shim.asm.Reg.RDX;
import static dev.keep.shim.asm.Reg.RSP;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.image.CpuidLeaf;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.KeepLayout;
import dev.keep.shim.image.SnpKeep;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the SNP ring-0 code of a built image here, at the addresses it was built for: its bytes at
 * {@link KeepLayout#SNP_CODE_ADDRESS} and a CPUID page made from the image's own CPUID table at
 * {@link KeepLayout#SNP_CPUID_ADDRESS}. The parts that are plain memory code run for real:
 *
 * <ul>
 *   <li>the C-bit routine the boot code calls reads back the position the image was built with;</li>
 *   <li>the #VC handler's CPUID path, entered through a frame like the one the CPU pushes for a
 *       #VC with error code 0x72 (its {@code iretq} returns to the same privilege level, which is
 *       allowed in user mode), answers every leaf of the image's table, resumes after the 2-byte
 *       {@code cpuid} and restores every other register and the stack.</li>
 * </ul>
 */
class SnpImageNativeTest {
    private static final int C_BIT = 51;
    private static final int RESULTS = 6;

    private static KeepImage image;
    private static FixedAddressPages cpuidPage;
    private static FixedAddressPages snpCode;
    private static NativeCode harness;
    private static MethodHandle raiseCpuidVc;
    private static MethodHandle cBitPosition;

    @BeforeAll
    static void mapTheImage() throws Exception {
        Assembler payload = new Assembler(KeepLayout.USER_CODE_ADDRESS);
        payload.ud2();
        image = KeepImage.builder().code(payload.finish(), 0).snp(C_BIT).build();
        SnpKeep parts = image.snp().orElseThrow();
        cpuidPage = new FixedAddressPages(KeepLayout.SNP_CPUID_ADDRESS, SnpLayout.PAGE_SIZE,
                cpuidPage(image.entryState().cpuid(), image.entryState().xcr0()));
        byte[] code = image.read(KeepLayout.SNP_CODE_ADDRESS, parts.code().code().length);
        snpCode = new FixedAddressPages(KeepLayout.SNP_CODE_ADDRESS, KeepLayout.SNP_CODE_SIZE, code)
                .executable();
        harness = new NativeCode(harness(parts.code().vcHandler()));
        raiseCpuidVc = harness.function(0, FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        cBitPosition = Linker.nativeLinker().downcallHandle(
                MemorySegment.ofAddress(parts.code().cBitPosition()),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    @AfterAll
    static void unmap() {
        harness.close();
        snpCode.close();
        cpuidPage.close();
    }

    /** The page as the SNP launch lays it out (struct snp_cpuid_table; sev-snp.md section 5.6). */
    private static byte[] cpuidPage(List<CpuidLeaf> leaves, long xcr0) {
        ByteBuffer page = ByteBuffer.allocate(SnpLayout.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        page.putInt(SnpLayout.CPUID_COUNT, leaves.size());
        for (int i = 0; i < leaves.size(); i++) {
            CpuidLeaf leaf = leaves.get(i);
            int at = SnpLayout.CPUID_ENTRIES + i * SnpLayout.CPUID_ENTRY_SIZE;
            page.putInt(at + SnpLayout.CPUID_ENTRY_EAX_IN, leaf.function());
            page.putInt(at + SnpLayout.CPUID_ENTRY_ECX_IN, leaf.indexSignificant() ? leaf.index() : 0);
            page.putLong(at + 8, leaf.function() == 0xD ? xcr0 : 0);
            page.putInt(at + SnpLayout.CPUID_ENTRY_EAX, leaf.eax());
            page.putInt(at + SnpLayout.CPUID_ENTRY_EBX, leaf.ebx());
            page.putInt(at + SnpLayout.CPUID_ENTRY_ECX, leaf.ecx());
            page.putInt(at + SnpLayout.CPUID_ENTRY_EDX, leaf.edx());
        }
        return page.array();
    }

    /**
     * {@code void raise(int leaf, int subleaf, u64 out[6])}: pushes the frame of a #VC for a
     * {@code cpuid} (SS, RSP, RFLAGS, CS, RIP of the cpuid, error code 0x72), loads EAX/ECX, plants
     * garbage in RBX/RDX and a sentinel in R10, and jumps to the handler. Where the handler resumes
     * it stores RAX, RBX, RCX, RDX, R10 and how far RSP moved.
     */
    private static byte[] harness(long vcHandler) {
        Assembler a = new Assembler();
        Label cpuidSite = a.newLabel();
        List<Gpr> saved = List.of(RBX, RBP, R12, R13, R14, R15);
        saved.forEach(a::push);
        a.mov(R12, RDX);
        a.mov(R13, RSP);
        // mov eax, ss / pushfq / mov eax, cs: the assembler has no segment-register moves.
        a.db(new byte[] {(byte) 0x8C, (byte) 0xD0});
        a.push(RAX);
        a.push(R13);
        a.db(0x9C);
        a.db(new byte[] {(byte) 0x8C, (byte) 0xC8});
        a.push(RAX);
        a.lea(RAX, Mem.rip(cpuidSite));
        a.push(RAX);
        a.push(SnpLayout.EXIT_CPUID);
        a.mov(R10, 0x1122_3344_5566_7788L);
        a.mov(RBX, -1);
        a.mov(RDX, -1);
        a.mov(EAX, EDI);
        a.mov(ECX, ESI);
        a.mov(R11, vcHandler);
        a.jmp(R11);
        a.bind(cpuidSite);
        a.cpuid();
        List<Gpr> results = List.of(RAX, RBX, RCX, RDX, R10);
        for (int i = 0; i < results.size(); i++) {
            a.mov(Mem.base(R12).disp(8 * i), results.get(i));
        }
        a.mov(RAX, RSP);
        a.sub(RAX, R13);
        a.mov(Mem.base(R12).disp(8 * results.size()), RAX);
        for (int i = saved.size() - 1; i >= 0; i--) {
            a.pop(saved.get(i));
        }
        a.ret();
        return a.finish();
    }

    @Test
    void theBootCodesCBitRoutineReadsThePositionTheImageWasBuiltWith() throws Throwable {
        int position = (int) cBitPosition.invokeExact(
                MemorySegment.ofAddress(KeepLayout.SNP_CPUID_ADDRESS));
        assertEquals(C_BIT, position);
    }

    @Test
    void theVcHandlerAnswersEveryLeafOfTheImagesTableFromTheCpuidPage() throws Throwable {
        for (CpuidLeaf leaf : image.entryState().cpuid()) {
            long[] out = raise(leaf.function(), leaf.index());
            String what = leaf.toString();
            assertEquals(Integer.toUnsignedLong(leaf.eax()), out[0], what + " eax");
            assertEquals(Integer.toUnsignedLong(leaf.ebx()), out[1], what + " ebx");
            assertEquals(Integer.toUnsignedLong(leaf.ecx()), out[2], what + " ecx");
            assertEquals(Integer.toUnsignedLong(leaf.edx()), out[3], what + " edx");
            assertEquals(0x1122_3344_5566_7788L, out[4], what + ": r10 restored");
            assertEquals(0, out[5], what + ": the stack is where the cpuid left it");
        }
        long[] encryption = raise(SnpLayout.CPUID_LEAF_MEMORY_ENCRYPTION, 0);
        assertEquals(C_BIT, encryption[1] & 0x3F);
    }

    @Test
    void aLeafTheTableLacksReadsAsZeros() throws Throwable {
        long[] out = raise(0x4000_0000, 0);
        assertEquals(List.of(0L, 0L, 0L, 0L), List.of(out[0], out[1], out[2], out[3]));
        assertEquals(0x1122_3344_5566_7788L, out[4]);
    }

    private static long[] raise(int leaf, int subleaf) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(8L * RESULTS, 8);
            raiseCpuidVc.invokeExact(leaf, subleaf, out);
            return out.toArray(ValueLayout.JAVA_LONG);
        }
    }
}
