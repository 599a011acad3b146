package dev.keep.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the CPUID instruction through {@link HostCpuid} and compares with /proc/cpuinfo. */
class HostCpuidTest {

    private static String cpuinfo;
    private static Set<String> flags;

    @BeforeAll
    static void readCpuinfo() throws IOException {
        cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        flags = HostFacts.cpuFlags(cpuinfo);
        assertTrue(flags.contains("fpu"), "could not parse the flags line of /proc/cpuinfo");
    }

    /** The value of the first "key : value" line of /proc/cpuinfo. */
    private static String field(String key) {
        return cpuinfo.lines()
                .filter(line -> line.startsWith(key) && line.indexOf(':') > 0
                        && line.substring(0, line.indexOf(':')).trim().equals(key))
                .map(line -> line.substring(line.indexOf(':') + 1).trim())
                .findFirst().orElseThrow(() -> new AssertionError("no '" + key + "' in cpuinfo"));
    }

    private static boolean bit(int value, int bit) {
        return (value & (1 << bit)) != 0;
    }

    @Test
    void vendorMatchesCpuinfo() {
        assertEquals(field("vendor_id"), HostCpuid.vendor());
    }

    @Test
    void familyAndModelMatchCpuinfo() {
        assertEquals(Integer.parseInt(field("cpu family")), HostCpuid.family());
        assertEquals(Integer.parseInt(field("model")), HostCpuid.model());
    }

    @Test
    void featureBitsAgreeWithKernelFlags() {
        int[] leaf1 = HostCpuid.query(1, 0);
        int[] leaf7 = HostCpuid.query(7, 0);
        int[] ext1 = HostCpuid.query(0x8000_0001, 0);
        // Flags the kernel never hides: must agree both ways.
        assertEquals(flags.contains("sse4_1"), bit(leaf1[2], 19), "sse4_1 = CPUID.1:ECX[19]");
        assertEquals(flags.contains("sse4_2"), bit(leaf1[2], 20), "sse4_2 = CPUID.1:ECX[20]");
        assertEquals(flags.contains("hypervisor"), bit(leaf1[2], 31),
                "hypervisor = CPUID.1:ECX[31]");
        assertEquals(flags.contains("lm"), bit(ext1[3], 29), "lm = CPUID.80000001:EDX[29]");
        // Flags the kernel may clear (disabled features): a flag it shows must be in CPUID.
        record Flag(String name, boolean cpuid) {}
        List<Flag> oneWay = List.of(
                new Flag("avx", bit(leaf1[2], 28)),
                new Flag("vmx", bit(leaf1[2], 5)),
                new Flag("avx2", bit(leaf7[1], 5)),
                new Flag("avx512f", bit(leaf7[1], 16)),
                new Flag("svm", bit(ext1[2], 2)),
                new Flag("sev", bit(HostCpuid.query(0x8000_001F, 0)[0], 1)));
        for (Flag flag : oneWay) {
            if (flags.contains(flag.name())) {
                assertTrue(flag.cpuid(), flag.name() + " is in cpuinfo but not in CPUID");
            }
        }
    }

    @Test
    void addressSizesMatchCpuinfo() {
        assertTrue(Integer.compareUnsigned(HostCpuid.maxExtendedLeaf(), 0x8000_0008) >= 0,
                "every x86-64 CPU has leaf 0x80000008");
        int eax = HostCpuid.query(0x8000_0008, 0)[0];
        // "address sizes : 48 bits physical, 48 bits virtual"
        String[] words = field("address sizes").split("[ ,]+");
        int physical = Integer.parseInt(words[0]);
        int virtual = Integer.parseInt(words[3]);
        assertEquals(virtual, (eax >>> 8) & 0xff);
        // The kernel may lower the physical width (memory encryption steals bits), never raise it.
        assertTrue(physical <= (eax & 0xff), "cpuinfo physical bits " + physical);
    }

    @Test
    void subleafIsPassedInEcx() {
        // Leaf 7 subleaf 0 returns the highest subleaf in EAX; a subleaf beyond it reads as
        // zeros. Were ECX not loaded from the second argument, subleaf 0's answer would come back.
        int maxSubleaf = HostCpuid.query(7, 0)[0];
        int[] beyond = HostCpuid.query(7, maxSubleaf + 1);
        assertArrayEquals(new int[4], beyond, "leaf 7 beyond its last subleaf must be all zero");
    }

    @Test
    void callableFromManyThreads() throws Exception {
        int[] expected = HostCpuid.query(0, 0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<int[]>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                results.add(pool.submit(() -> HostCpuid.query(0, 0)));
            }
            for (Future<int[]> result : results) {
                assertArrayEquals(expected, result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
