package dev.keep.shim.snp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.keep.shim.asm.Assembler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The CPUID-page lookup and C-bit routines (plain memory code), run natively on pages built here. */
class CpuidPageEmitterTest {
    private static NativeCode code;
    private static MethodHandle lookup;
    private static MethodHandle cBit;

    @BeforeAll
    static void emit() throws Throwable {
        Assembler a = new Assembler();
        CpuidPageEmitter.Routines r = CpuidPageEmitter.emit(a);
        byte[] bytes = a.finish();
        code = new NativeCode(bytes);
        lookup = code.function(a.offsetOf(r.lookup()), FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        cBit = code.function(a.offsetOf(r.cBitPosition()), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    @AfterAll
    static void release() throws Exception {
        code.close();
    }

    /** One entry as the CPUID page stores it (sev-snp.md §5.6). */
    private record Entry(int leaf, int subleaf, int eax, int ebx, int ecx, int edx) {
    }

    private static byte[] page(int count, Entry... entries) {
        ByteBuffer p = ByteBuffer.allocate(SnpLayout.PAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        p.putInt(SnpLayout.CPUID_COUNT, count);
        for (int i = 0; i < entries.length; i++) {
            int at = SnpLayout.CPUID_ENTRIES + i * SnpLayout.CPUID_ENTRY_SIZE;
            Entry e = entries[i];
            p.putInt(at + SnpLayout.CPUID_ENTRY_EAX_IN, e.leaf());
            p.putInt(at + SnpLayout.CPUID_ENTRY_ECX_IN, e.subleaf());
            p.putLong(at + 8, 0x7L);
            p.putInt(at + SnpLayout.CPUID_ENTRY_EAX, e.eax());
            p.putInt(at + SnpLayout.CPUID_ENTRY_EBX, e.ebx());
            p.putInt(at + SnpLayout.CPUID_ENTRY_ECX, e.ecx());
            p.putInt(at + SnpLayout.CPUID_ENTRY_EDX, e.edx());
        }
        return p.array();
    }

    private static final Entry[] KEEP_LIKE = {
        new Entry(0, 0, 0xD, 0x68747541, 0x444D4163, 0x69746E65),
        new Entry(1, 0, 0xA00F11, 0x800, 0x76F8320B, 0x178BFBFF),
        new Entry(7, 0, 0, 0x219C91A9, 0, 0),
        new Entry(7, 1, 0x11, 0, 0, 0),
        new Entry(0xD, 0, 0x7, 0x340, 0x340, 0),
        new Entry(0xD, 1, 0xF, 0, 0, 0),
        new Entry(0xD, 2, 0x100, 0x240, 0, 0),
        new Entry(0x8000_0000, 0, 0x8000_001F, 0, 0, 0),
        new Entry(0x8000_001F, 0, 0x1_003F, 0x4033, 0x1FD, 0x80),
    };

    private record Answer(int found, int[] regs) {
    }

    private static Answer ask(byte[] page, int leaf, int subleaf) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(SnpLayout.PAGE_SIZE, 4096);
            MemorySegment.copy(MemorySegment.ofArray(page), 0, p, 0, page.length);
            MemorySegment out = arena.allocate(16);
            out.fill((byte) 0x77);
            int found = (int) lookup.invokeExact(p, leaf, subleaf, out);
            return new Answer(found, out.toArray(ValueLayout.JAVA_INT));
        }
    }

    private static int cBitOf(byte[] page) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(SnpLayout.PAGE_SIZE, 4096);
            MemorySegment.copy(MemorySegment.ofArray(page), 0, p, 0, page.length);
            return (int) cBit.invokeExact(p);
        }
    }

    @Test
    void findsEveryEntryBySubleafWhereItMatters() throws Throwable {
        byte[] page = page(KEEP_LIKE.length, KEEP_LIKE);
        for (Entry e : KEEP_LIKE) {
            Answer got = ask(page, e.leaf(), e.subleaf());
            assertEquals(1, got.found(), "leaf " + Integer.toHexString(e.leaf()) + "." + e.subleaf());
            assertArrayEquals(new int[] {e.eax(), e.ebx(), e.ecx(), e.edx()}, got.regs());
        }
        // Leaf 1 ignores ECX; leaves 7 and 0xD do not.
        assertArrayEquals(new int[] {0xA00F11, 0x800, 0x76F8320B, 0x178BFBFF}, ask(page, 1, 5).regs());
        assertEquals(1, ask(page, 0x8000_001F, -1).found());
        Answer absentSubleaf = ask(page, 0xD, 3);
        assertEquals(0, absentSubleaf.found());
        assertArrayEquals(new int[4], absentSubleaf.regs());
        Answer absentLeaf = ask(page, 0x4000_0000, 0);
        assertEquals(0, absentLeaf.found());
        assertArrayEquals(new int[4], absentLeaf.regs());
    }

    @Test
    void readsOnlyCountedEntriesAndAtMostSixtyFour() throws Throwable {
        byte[] truncated = page(2, KEEP_LIKE);
        assertEquals(1, ask(truncated, 1, 0).found());
        assertEquals(0, ask(truncated, 7, 0).found(), "entry beyond count was used");
        Entry[] many = new Entry[66];
        for (int i = 0; i < many.length; i++) {
            many[i] = new Entry(0x100 + i, 0, i, i, i, i);
        }
        byte[] overfull = page(Integer.MAX_VALUE, many);
        assertEquals(1, ask(overfull, 0x100 + 63, 0).found());
        assertEquals(0, ask(overfull, 0x100 + 64, 0).found(), "read past 64 entries");
    }

    @Test
    void cBitPositionComesFromLeaf8000001F() throws Throwable {
        assertEquals(51, cBitOf(page(KEEP_LIKE.length, KEEP_LIKE)));
        assertEquals(47, cBitOf(page(1, new Entry(0x8000_001F, 0, 0x2, 0x2F | 0x1C0, 0, 0))));
        assertEquals(-1, cBitOf(page(1, new Entry(0x8000_001F, 0, 0x1, 0x33, 0, 0))), "SEV bit clear");
        assertEquals(-1, cBitOf(page(2, KEEP_LIKE)), "leaf absent");
    }
}
