package dev.keep.sev;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Everything {@link SevProbe} found, and the verdict for each feature.
 *
 * @param cpuid        CPUID findings, empty when CPUID could not be executed
 * @param cpuidProblem why CPUID findings are missing
 * @param cpuinfoFlags the memory-encryption flags /proc/cpuinfo lists (a subset of sev, sev_es, sev_snp)
 * @param kvmAmdParameters kvm_amd's sev, sev_es, sev_snp parameters as read (absent ones omitted)
 * @param device       /dev/sev findings
 */
public record SevPlatformReport(FeatureStatus sev, FeatureStatus sevEs, FeatureStatus sevSnp,
                                Optional<CpuidSevInfo> cpuid, Optional<String> cpuidProblem,
                                Set<String> cpuinfoFlags, Map<String, String> kvmAmdParameters,
                                SevDeviceState device) {
    public SevPlatformReport {
        cpuinfoFlags = Set.copyOf(cpuinfoFlags);
        kvmAmdParameters = Map.copyOf(kvmAmdParameters);
    }

    /** Human-readable lines, for `keep platform info`. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        out.append(sev.summary()).append('\n').append(sevEs.summary()).append('\n').append(sevSnp.summary())
                .append('\n');
        cpuid.ifPresent(c -> {
            out.append("cpu vendor: ").append(c.vendor()).append('\n');
            if (c.leafPresent()) {
                out.append(String.format("cpuid 0x8000001f: eax=%08x ebx=%08x ecx=%08x edx=%08x (c-bit %d)%n",
                        c.eax(), c.ebx(), c.ecx(), c.edx(), c.cBitPosition()));
            }
        });
        device.snpStatus().ifPresent(s -> out.append("snp firmware: ").append(s.firmwareVersion())
                .append(", state ").append(s.stateName())
                .append(", reported tcb ").append(s.reportedTcbHex())
                .append(", current tcb ").append(s.currentTcbHex()).append('\n'));
        return out.toString();
    }
}
