package dev.keep.sev;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Builds host trees with real-format /proc, /sys and /dev contents, and scripted CPUID answers. */
final class FakeHost {

    /** A /proc/cpuinfo entry as an AMD EPYC host with SNP enabled prints it (trimmed to one CPU). */
    static final String SNP_HOST_CPUINFO = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            cpu family\t: 25
            model\t\t: 1
            model name\t: AMD EPYC 7763 64-Core Processor
            stepping\t: 1
            flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx \
            fxsr sse sse2 ht syscall nx mmxext fxsr_opt pdpe1gb rdtscp lm constant_tsc rep_good nopl \
            nonstop_tsc cpuid extd_apicid aperfmperf rapl pni pclmulqdq monitor ssse3 fma cx16 pcid \
            sse4_1 sse4_2 x2apic movbe popcnt aes xsave avx f16c rdrand lahf_lm cmp_legacy svm \
            extapic cr8_legacy abm sse4a misalignsse 3dnowprefetch osvw ibs skinit wdt tce topoext \
            perfctr_core perfctr_nb bpext perfctr_llc mwaitx cpb cat_l3 cdp_l3 invpcid_single hw_pstate \
            ssbd mba sev sev_es sev_snp ibrs ibpb stibp vmmcall fsgsbase bmi1 avx2 smep bmi2 erms invpcid \
            cqm rdt_a rdseed adx smap clflushopt clwb sha_ni xsaveopt xsavec xgetbv1 xsaves
            bugs\t\t: sysret_ss_attrs spectre_v1 spectre_v2 spec_store_bypass srso
            bogomips\t: 4890.84

            """;

    private FakeHost() {
    }

    static void write(Path root, String absolutePath, String text) throws IOException {
        Path file = root.resolve(absolutePath.substring(1));
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** kvm_amd's parameters as the kernel shows bool module parameters. */
    static void kvmAmd(Path root, String sev, String sevEs, String sevSnp) throws IOException {
        write(root, "/sys/module/kvm_amd/parameters/sev", sev + "\n");
        write(root, "/sys/module/kvm_amd/parameters/sev_es", sevEs + "\n");
        write(root, "/sys/module/kvm_amd/parameters/sev_snp", sevSnp + "\n");
    }

    /** A CPUID source answering from a table; unknown leaves read as zero, as on real CPUs beyond the max. */
    static final class ScriptedCpuid implements CpuidSource {
        private final Map<Integer, int[]> leaves = new HashMap<>();

        ScriptedCpuid vendor(String vendor, int maxBasicLeaf) {
            ByteBuffer b = ByteBuffer.wrap(vendor.getBytes(StandardCharsets.US_ASCII)).order(ByteOrder.LITTLE_ENDIAN);
            int ebx = b.getInt(0);
            int edx = b.getInt(4);
            int ecx = b.getInt(8);
            leaves.put(0, new int[] {maxBasicLeaf, ebx, ecx, edx});
            return this;
        }

        ScriptedCpuid leaf(int leaf, int eax, int ebx, int ecx, int edx) {
            leaves.put(leaf, new int[] {eax, ebx, ecx, edx});
            return this;
        }

        @Override
        public int[] cpuid(int leaf, int subleaf) {
            return leaves.getOrDefault(leaf, new int[4]).clone();
        }
    }

    /** An AMD EPYC (Milan-like) with SEV, SEV-ES, SEV-SNP and VMPLs: C-bit 51, 509 guests, min SEV ASID 100. */
    static ScriptedCpuid snpCapableAmd() {
        return new ScriptedCpuid().vendor("AuthenticAMD", 0x10)
                .leaf(0x80000000, 0x80000021, 0, 0, 0)
                .leaf(0x8000001F, 0x0101FDFF, (4 << 12) | (1 << 6) | 51, 509, 100);
    }
}
