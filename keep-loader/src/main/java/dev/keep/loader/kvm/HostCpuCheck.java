package dev.keep.loader.kvm;

import dev.keep.kvm.HostCpuid;
import dev.keep.shim.image.CpuidLeaf;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Checks that the host CPU has every feature a keep's CPUID table claims. The table is explicit
 * (the same on every host, so measurements are predictable); a host lacking a claimed feature
 * would run the keep into #UD later, so it is refused up front with a message instead.
 */
public final class HostCpuCheck {
    /** Bits the VMM or OS controls rather than the silicon: OSXSAVE and HYPERVISOR (leaf 1 ECX). */
    private static final int LEAF1_ECX_NOT_SILICON = (1 << 27) | (1 << 31);

    private final BiFunction<Integer, Integer, int[]> cpuid;

    /** Checks against the CPU this JVM runs on. */
    public HostCpuCheck() {
        this(HostCpuid::query);
    }

    /** Checks against another CPUID source (leaf, subleaf) -> {eax, ebx, ecx, edx}. */
    public HostCpuCheck(BiFunction<Integer, Integer, int[]> cpuid) {
        this.cpuid = cpuid;
    }

    /** Feature bits the table claims and the host lacks, as "leaf.subleaf reg bit n"; empty if none. */
    public List<String> missing(List<CpuidLeaf> table) {
        List<String> missing = new ArrayList<>();
        for (CpuidLeaf leaf : table) {
            int[] host = cpuid.apply(leaf.function(), leaf.index());
            switch (leaf.function()) {
                case 1 -> {
                    compare(missing, leaf, "ecx", leaf.ecx() & ~LEAF1_ECX_NOT_SILICON, host[2]);
                    compare(missing, leaf, "edx", leaf.edx(), host[3]);
                }
                case 7 -> compare(missing, leaf, "ebx", leaf.ebx(), host[1]);
                case 0x8000_0001 -> {
                    compare(missing, leaf, "ecx", leaf.ecx(), host[2]);
                    compare(missing, leaf, "edx", leaf.edx(), host[3]);
                }
                case 0xD -> {
                    if (leaf.index() == 0) {
                        compare(missing, leaf, "eax (XCR0 components)", leaf.eax(), host[0]);
                    }
                }
                default -> { }
            }
        }
        return missing;
    }

    private static void compare(List<String> out, CpuidLeaf leaf, String register, int claimed,
            int host) {
        int absent = claimed & ~host;
        for (int bit = 0; bit < 32; bit++) {
            if ((absent & (1 << bit)) != 0) {
                out.add(String.format("cpuid %#x.%d %s bit %d", leaf.function(), leaf.index(),
                        register, bit));
            }
        }
    }
}
