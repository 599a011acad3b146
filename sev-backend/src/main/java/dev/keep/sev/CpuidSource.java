package dev.keep.sev;

/**
 * Executes CPUID on the host: returns {eax, ebx, ecx, edx} for the given leaf and subleaf. A source
 * that cannot execute CPUID throws an unchecked exception whose message says why; the probe reports
 * it instead of failing.
 */
@FunctionalInterface
public interface CpuidSource {
    int[] cpuid(int leaf, int subleaf);
}
