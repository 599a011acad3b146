package dev.keep.kvm;

/**
 * One CPUID leaf as KVM stores it (struct kvm_cpuid_entry2).
 *
 * @param function the leaf (EAX input)
 * @param index the subleaf (ECX input), meaningful when flags has
 *     {@link #FLAG_SIGNIFICANT_INDEX}
 * @param flags KVM_CPUID_FLAG_* bits
 * @param eax EAX output
 * @param ebx EBX output
 * @param ecx ECX output
 * @param edx EDX output
 */
public record CpuidEntry(int function, int index, int flags, int eax, int ebx, int ecx, int edx) {

    /** KVM_CPUID_FLAG_SIGNIFCANT_INDEX (sic): the entry applies only to its own subleaf. */
    public static final int FLAG_SIGNIFICANT_INDEX = KvmConstants.KVM_CPUID_FLAG_SIGNIFCANT_INDEX;

    @Override
    public String toString() {
        return String.format("CpuidEntry[%08x.%d flags=%x eax=%08x ebx=%08x ecx=%08x edx=%08x]",
                function, index, flags, eax, ebx, ecx, edx);
    }
}
