package dev.keep.kvm;

/**
 * One model-specific register and its value (struct kvm_msr_entry).
 *
 * @param index the MSR number, e.g. 0xC0000080 for EFER (unsigned 32-bit)
 * @param data the 64-bit value
 */
public record MsrEntry(int index, long data) {

    @Override
    public String toString() {
        return "MsrEntry[0x" + Integer.toHexString(index) + "=0x" + Long.toHexString(data) + "]";
    }
}
