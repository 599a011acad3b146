package dev.keep.shim.image;

/**
 * One CPUID answer the keep will see (the fields of KVM's struct kvm_cpuid_entry2).
 *
 * @param function the leaf (EAX input)
 * @param index the subleaf (ECX input); only meaningful when {@code indexSignificant}
 * @param indexSignificant whether the answer depends on the subleaf
 */
public record CpuidLeaf(int function, int index, boolean indexSignificant, int eax, int ebx,
        int ecx, int edx) {

    @Override
    public String toString() {
        return String.format("CpuidLeaf[%08x.%d eax=%08x ebx=%08x ecx=%08x edx=%08x]", function,
                index, eax, ebx, ecx, edx);
    }
}
