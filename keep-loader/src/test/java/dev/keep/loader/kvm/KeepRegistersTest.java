package dev.keep.loader.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.kvm.CpuidEntry;
import dev.keep.kvm.DescriptorTable;
import dev.keep.kvm.KvmStructs;
import dev.keep.kvm.Regs;
import dev.keep.kvm.Segment;
import dev.keep.kvm.Sregs;
import dev.keep.kvm.Xcr;
import dev.keep.shim.image.EntryState;
import dev.keep.shim.image.KeepImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeepRegistersTest {
    private final KeepImage image = KeepImage.builder().code(new byte[] {(byte) 0x90}, 0)
            .linearMemory(65536).build();
    private final EntryState e = image.entryState();

    /** What KVM reports for a freshly created vCPU: real mode at the reset vector. */
    private static Sregs resetState() {
        Segment real = new Segment(0, 0xFFFF, 0, 3, true, 0, false, true, false, false, false,
                false);
        Segment cs = new Segment(0xFFFF0000L, 0xFFFF, 0xF000, 11, true, 0, false, true, false,
                false, false, false);
        List<Long> pending = new ArrayList<>(Collections.nCopies(KvmStructs.INTERRUPT_BITMAP_WORDS,
                0L));
        return new Sregs(cs, real, real, real, real, real,
                new Segment(0, 0xFFFF, 0, 11, true, 0, false, false, false, false, false, false),
                new Segment(0, 0xFFFF, 0, 2, true, 0, false, false, false, false, false, false),
                new DescriptorTable(0, 0xFFFF), new DescriptorTable(0, 0xFFFF),
                0x60000010L, 0, 0, 0, 0, 0, 0xFEE00900L, pending);
    }

    @Test
    void specialRegistersComeFromTheImageExceptApicBase() {
        Sregs s = KeepRegisters.sregs(resetState(), e);
        assertEquals(0x33, s.cs().selector());
        assertEquals(3, s.cs().dpl());
        assertTrue(s.cs().l());
        assertEquals(0x2B, s.ss().selector());
        assertEquals(3, s.ss().dpl());
        assertEquals(0x2B, s.ds().selector());
        assertTrue(s.fs().unusable() && s.gs().unusable() && s.ldt().unusable());
        assertEquals(0x40, s.tr().selector());
        assertEquals(e.tr().base(), s.tr().base());
        assertEquals(e.tr().limit(), s.tr().limit());
        assertEquals(11, s.tr().type());
        assertEquals(new DescriptorTable(e.gdtr().base(), e.gdtr().limit()), s.gdt());
        assertEquals(new DescriptorTable(e.idtr().base(), e.idtr().limit()), s.idt());
        assertEquals(e.cr0(), s.cr0());
        assertEquals(e.cr3(), s.cr3());
        assertEquals(e.cr4(), s.cr4());
        assertEquals(e.efer(), s.efer());
        assertEquals(0, s.cr2());
        assertEquals(0xFEE00900L, s.apicBase(), "KVM validates APIC-base changes: keep it");
        // Every segment field is carried over exactly.
        var cs = e.cs();
        assertEquals(new Segment(cs.base(), cs.limit(), cs.selector(), cs.type(), cs.present(),
                cs.dpl(), cs.db(), cs.s(), cs.l(), cs.g(), cs.avl(), cs.unusable()), s.cs());
    }

    @Test
    void generalRegistersAreZeroExceptRipRspRflags() {
        Regs r = KeepRegisters.regs(e);
        assertEquals(e.rip(), r.get(Regs.Reg.RIP));
        assertEquals(e.rsp(), r.get(Regs.Reg.RSP));
        assertEquals(e.rflags(), r.get(Regs.Reg.RFLAGS));
        for (Regs.Reg reg : Regs.Reg.values()) {
            if (reg != Regs.Reg.RIP && reg != Regs.Reg.RSP && reg != Regs.Reg.RFLAGS) {
                assertEquals(0, r.get(reg), reg.cName());
            }
        }
    }

    @Test
    void xcr0AndCpuidTableAreTranslatedOneToOne() {
        assertEquals(List.of(new Xcr(0, 7)), KeepRegisters.xcrs(e));
        List<CpuidEntry> entries = KeepRegisters.cpuid(e);
        assertEquals(e.cpuid().size(), entries.size());
        for (int i = 0; i < entries.size(); i++) {
            var leaf = e.cpuid().get(i);
            CpuidEntry entry = entries.get(i);
            assertEquals(leaf.function(), entry.function());
            assertEquals(leaf.index(), entry.index());
            assertEquals(leaf.indexSignificant() ? CpuidEntry.FLAG_SIGNIFICANT_INDEX : 0,
                    entry.flags());
            assertEquals(List.of(leaf.eax(), leaf.ebx(), leaf.ecx(), leaf.edx()),
                    List.of(entry.eax(), entry.ebx(), entry.ecx(), entry.edx()));
        }
        assertTrue(entries.stream().anyMatch(c -> c.function() == 0xD && c.index() == 2
                && c.flags() == CpuidEntry.FLAG_SIGNIFICANT_INDEX));
    }
}
