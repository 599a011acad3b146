package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Register snapshots to and from the kernel's struct layouts. */
class RegistersTest {

    @Test
    void regsRoundTripAndLandAtTheirOffsets() {
        Regs regs = Regs.INITIAL;
        for (Regs.Reg reg : Regs.Reg.values()) {
            regs = regs.with(reg, 0x1000L * (reg.ordinal() + 1) | 0xffff_0000_0000_0000L);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment raw = arena.allocate(KvmStructs.KVM_REGS);
            regs.write(raw);
            // kvm_regs: rip is the 17th u64 (offset 128), as in <asm/kvm.h>.
            assertEquals(regs.get(Regs.Reg.RIP), raw.get(ValueLayout.JAVA_LONG, 128));
            assertEquals(regs, Regs.read(raw));
        }
        assertEquals(Regs.RFLAGS_RESERVED, Regs.INITIAL.get(Regs.Reg.RFLAGS));
        assertNotEquals(Regs.INITIAL, Regs.INITIAL.with(Regs.Reg.R15, 1));
        assertEquals("r15", Regs.Reg.R15.cName());
    }

    private static Segment userCode() {
        return new Segment(0, 0xffffffff, 0x33, 11, true, 3, false, true, true, true, false, false);
    }

    private static Segment userData() {
        return new Segment(0, 0xffffffff, 0x2b, 3, true, 3, true, true, false, true, false, false);
    }

    @Test
    void sregsRoundTripWithUnsignedFields() {
        Segment tr = new Segment(0x1A000, 0x2068, 0x40, 11, true, 0, false, false, false, false,
                false, false);
        Segment unusable = new Segment(0, 0, 0, 0, false, 0, false, false, false, false, false, true);
        Sregs sregs = new Sregs(userCode(), userData(), userData(), unusable, unusable,
                userData(), tr, unusable, new DescriptorTable(0x4000, 0xffff),
                new DescriptorTable(0x5000, 0xfff), 0x80050033L, 0x1234L, 0x1000L, 0x40620L, 0,
                0xd01L, 0xfee00900L, List.of(1L, 0L, 0L, 1L << 63));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment raw = arena.allocate(KvmStructs.KVM_SREGS);
            raw.fill((byte) 0x5a); // garbage that write() must overwrite, padding included
            sregs.write(raw);
            assertEquals(sregs, Sregs.read(raw));
            long gdtLimit = KvmStructs.KVM_SREGS.byteOffset(groupElement("gdt"),
                    groupElement("limit"));
            assertEquals((short) 0xffff, raw.get(ValueLayout.JAVA_SHORT, gdtLimit));
            long csPadding = KvmStructs.KVM_SREGS.byteOffset(groupElement("cs"),
                    groupElement("padding"));
            assertEquals(0, raw.get(ValueLayout.JAVA_BYTE, csPadding));
        }
        Sregs changed = sregs.toBuilder().cr3(0x2000).cs(userData()).build();
        assertEquals(0x2000, changed.cr3());
        assertEquals(sregs.efer(), changed.efer());
        assertEquals(userData(), changed.cs());
    }

    @Test
    void invalidValuesAreRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new Segment(0, 0, 0x10000, 0, true, 0, false, false, false, false, false,
                        false));
        assertThrows(IllegalArgumentException.class,
                () -> new Segment(0, 0, 0, 0, true, 4, false, false, false, false, false, false));
        assertThrows(IllegalArgumentException.class, () -> new DescriptorTable(0, 0x10000));
        assertThrows(IllegalArgumentException.class,
                () -> Sregs.read(Arena.ofAuto().allocate(KvmStructs.KVM_SREGS)).toBuilder()
                        .interruptBitmap(List.of(0L)).build());
    }

    @Test
    void tablesWithFlexibleArrays() {
        try (Arena arena = Arena.ofConfined()) {
            List<CpuidEntry> cpuid = List.of(
                    new CpuidEntry(0, 0, 0, 0x10, 0x68747541, 0x444d4163, 0x69746e65),
                    new CpuidEntry(7, 1, CpuidEntry.FLAG_SIGNIFICANT_INDEX, -1, 2, 3, 4));
            MemorySegment table = CpuidTable.of(arena, cpuid);
            assertEquals(8 + 2 * 40, table.byteSize());
            assertEquals(cpuid, CpuidTable.read(table));
            // A kernel-reported count larger than the buffer is cut to what fits.
            table.set(ValueLayout.JAVA_INT, 0, 99);
            assertEquals(cpuid, CpuidTable.read(table));

            List<MsrEntry> msrs = List.of(new MsrEntry(0xC0000080, 0xd01),
                    new MsrEntry(0x4b564d11, 0x4d5650));
            MemorySegment msrTable = MsrTable.of(arena, msrs);
            assertEquals(2, msrTable.get(ValueLayout.JAVA_INT, 0));
            assertEquals(msrs.subList(0, 1), MsrTable.read(msrTable, 1));
            assertEquals(msrs, MsrTable.read(msrTable, 5));
        }
    }

    @Test
    void ioctlNumbersFollowTheKernelEncoding() {
        // _IOR(0xAE, 0x81, struct kvm_regs): read (2) << 30 | 144 << 16 | 0xAE << 8 | 0x81.
        assertEquals(0x8090AE81L, KvmIoctl.KVM_GET_REGS.number());
        assertEquals(0xAE80L, KvmIoctl.KVM_RUN.number());
        assertEquals(KvmIoctl.Target.VCPU, KvmIoctl.KVM_RUN.target());
        assertEquals(KvmIoctl.Target.SYSTEM, KvmIoctl.KVM_CREATE_VM.target());
    }
}
