package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An immutable snapshot of a vCPU's special registers (struct kvm_sregs): segment registers,
 * GDTR/IDTR, control registers, EFER, APIC base and the pending-interrupt bitmap. Edit a snapshot
 * with {@link #toBuilder()}.
 *
 * @param interruptBitmap the {@value KvmStructs#INTERRUPT_BITMAP_WORDS} words of kvm_sregs
 *     .interrupt_bitmap (bit n set: external interrupt n is pending injection)
 */
public record Sregs(Segment cs, Segment ds, Segment es, Segment fs, Segment gs, Segment ss,
        Segment tr, Segment ldt, DescriptorTable gdt, DescriptorTable idt,
        long cr0, long cr2, long cr3, long cr4, long cr8, long efer, long apicBase,
        List<Long> interruptBitmap) {

    private static final String[] SEGMENT_NAMES = {"cs", "ds", "es", "fs", "gs", "ss", "tr", "ldt"};
    private static final String[] CONTROL_NAMES =
            {"cr0", "cr2", "cr3", "cr4", "cr8", "efer", "apic_base"};

    public Sregs {
        for (Object part : new Object[] {cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt}) {
            Objects.requireNonNull(part, "kvm_sregs member");
        }
        interruptBitmap = List.copyOf(interruptBitmap);
        if (interruptBitmap.size() != KvmStructs.INTERRUPT_BITMAP_WORDS) {
            throw new IllegalArgumentException("interrupt bitmap must have "
                    + KvmStructs.INTERRUPT_BITMAP_WORDS + " words, not " + interruptBitmap.size());
        }
    }

    private static long offset(String field) {
        return KvmStructs.KVM_SREGS.byteOffset(groupElement(field));
    }

    static Sregs read(MemorySegment kvmSregs) {
        Segment[] segments = new Segment[SEGMENT_NAMES.length];
        for (int i = 0; i < segments.length; i++) {
            segments[i] = Segment.read(kvmSregs, offset(SEGMENT_NAMES[i]));
        }
        long[] control = new long[CONTROL_NAMES.length];
        for (int i = 0; i < control.length; i++) {
            control[i] = kvmSregs.get(ValueLayout.JAVA_LONG, offset(CONTROL_NAMES[i]));
        }
        List<Long> bitmap = new ArrayList<>();
        long bitmapOffset = offset("interrupt_bitmap");
        for (int i = 0; i < KvmStructs.INTERRUPT_BITMAP_WORDS; i++) {
            bitmap.add(kvmSregs.get(ValueLayout.JAVA_LONG, bitmapOffset + 8L * i));
        }
        return new Sregs(segments[0], segments[1], segments[2], segments[3], segments[4],
                segments[5], segments[6], segments[7],
                DescriptorTable.read(kvmSregs, offset("gdt")),
                DescriptorTable.read(kvmSregs, offset("idt")),
                control[0], control[1], control[2], control[3], control[4], control[5],
                control[6], bitmap);
    }

    void write(MemorySegment kvmSregs) {
        Segment[] segments = {cs, ds, es, fs, gs, ss, tr, ldt};
        for (int i = 0; i < segments.length; i++) {
            segments[i].write(kvmSregs, offset(SEGMENT_NAMES[i]));
        }
        gdt.write(kvmSregs, offset("gdt"));
        idt.write(kvmSregs, offset("idt"));
        long[] control = {cr0, cr2, cr3, cr4, cr8, efer, apicBase};
        for (int i = 0; i < control.length; i++) {
            kvmSregs.set(ValueLayout.JAVA_LONG, offset(CONTROL_NAMES[i]), control[i]);
        }
        long bitmapOffset = offset("interrupt_bitmap");
        for (int i = 0; i < interruptBitmap.size(); i++) {
            kvmSregs.set(ValueLayout.JAVA_LONG, bitmapOffset + 8L * i, interruptBitmap.get(i));
        }
    }

    /** A mutable copy to change some registers and {@link Builder#build()} a new snapshot. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable editor for {@link Sregs}; starts from an existing snapshot. */
    public static final class Builder {
        private Segment cs, ds, es, fs, gs, ss, tr, ldt;
        private DescriptorTable gdt, idt;
        private long cr0, cr2, cr3, cr4, cr8, efer, apicBase;
        private List<Long> interruptBitmap;

        private Builder(Sregs from) {
            cs = from.cs; ds = from.ds; es = from.es; fs = from.fs; gs = from.gs; ss = from.ss;
            tr = from.tr; ldt = from.ldt; gdt = from.gdt; idt = from.idt;
            cr0 = from.cr0; cr2 = from.cr2; cr3 = from.cr3; cr4 = from.cr4; cr8 = from.cr8;
            efer = from.efer; apicBase = from.apicBase; interruptBitmap = from.interruptBitmap;
        }

        public Builder cs(Segment value) { cs = value; return this; }
        public Builder ds(Segment value) { ds = value; return this; }
        public Builder es(Segment value) { es = value; return this; }
        public Builder fs(Segment value) { fs = value; return this; }
        public Builder gs(Segment value) { gs = value; return this; }
        public Builder ss(Segment value) { ss = value; return this; }
        public Builder tr(Segment value) { tr = value; return this; }
        public Builder ldt(Segment value) { ldt = value; return this; }
        public Builder gdt(DescriptorTable value) { gdt = value; return this; }
        public Builder idt(DescriptorTable value) { idt = value; return this; }
        public Builder cr0(long value) { cr0 = value; return this; }
        public Builder cr2(long value) { cr2 = value; return this; }
        public Builder cr3(long value) { cr3 = value; return this; }
        public Builder cr4(long value) { cr4 = value; return this; }
        public Builder cr8(long value) { cr8 = value; return this; }
        public Builder efer(long value) { efer = value; return this; }
        public Builder apicBase(long value) { apicBase = value; return this; }
        public Builder interruptBitmap(List<Long> value) { interruptBitmap = value; return this; }

        public Sregs build() {
            return new Sregs(cs, ds, es, fs, gs, ss, tr, ldt, gdt, idt,
                    cr0, cr2, cr3, cr4, cr8, efer, apicBase, interruptBitmap);
        }
    }
}
