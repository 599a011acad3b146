package dev.keep.sev;

import dev.keep.kvm.HostCpuid;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds out whether this host can launch SEV, SEV-ES and SEV-SNP guests, and if not, exactly why.
 * It looks at every layer that has to agree: the CPU (CPUID 0x8000001F), the kernel (/proc/cpuinfo
 * flags), KVM (kvm_amd's sev, sev_es, sev_snp parameters), the PSP driver (/dev/sev exists and
 * opens) and, for SNP, the firmware (SNP_PLATFORM_STATUS answers and reports state INIT). Probing
 * never throws: every failure becomes a reason in the report.
 */
public final class SevProbe {

    public static final String CPUINFO = "/proc/cpuinfo";
    public static final String KVM_AMD_MODULE = "/sys/module/kvm_amd";
    public static final String KVM_AMD_PARAMETERS = KVM_AMD_MODULE + "/parameters/";
    public static final String DEV_SEV = "/dev/sev";

    /** The three features, with the CPUID bit, cpuinfo flag and kvm_amd parameter that enable each. */
    private enum Feature {
        SEV("SEV", 1, "sev"),
        SEV_ES("SEV-ES", 3, "sev_es"),
        SEV_SNP("SEV-SNP", 4, "sev_snp");

        final String label;
        final int cpuidBit;
        final String key;

        Feature(String label, int cpuidBit, String key) {
            this.label = label;
            this.cpuidBit = cpuidBit;
            this.key = key;
        }

        boolean cpuSupports(CpuidSevInfo info) {
            return switch (this) {
                case SEV -> info.sevSupported();
                case SEV_ES -> info.sevEsSupported();
                case SEV_SNP -> info.snpSupported();
            };
        }
    }

    private final CpuidSource cpuid;
    private final PlatformFiles files;

    public SevProbe(CpuidSource cpuid, PlatformFiles files) {
        this.cpuid = cpuid;
        this.files = files;
    }

    /** A probe of the running system, executing CPUID directly (kvm-backend's {@code HostCpuid}). */
    public static SevProbe forHost() {
        return forHost(HostCpuid::query);
    }

    /** A probe of the running system with the given CPUID implementation. */
    public static SevProbe forHost(CpuidSource cpuid) {
        return new SevProbe(cpuid, PlatformFiles.host());
    }

    public SevPlatformReport probe() {
        Optional<CpuidSevInfo> cpu;
        Optional<String> cpuProblem;
        try {
            cpu = Optional.of(CpuidSevInfo.read(cpuid));
            cpuProblem = Optional.empty();
        } catch (RuntimeException e) {
            cpu = Optional.empty();
            cpuProblem = Optional.of("CPUID could not be executed: " + oneLine(e));
        }
        CpuinfoFlags cpuinfo = readCpuinfoFlags();
        Map<String, PlatformFiles.Read> params = readKvmAmdParameters();
        SevDeviceState device = probeDevice();
        boolean kvmAmdLoaded = files.exists(KVM_AMD_MODULE);

        List<FeatureStatus> statuses = new ArrayList<>();
        for (Feature feature : Feature.values()) {
            List<String> reasons = new ArrayList<>();
            cpuReasons(feature, cpu, cpuProblem).ifPresent(reasons::add);
            cpuinfo.reason(feature).ifPresent(reasons::add);
            kvmAmdReason(feature, params.get(feature.key), kvmAmdLoaded).ifPresent(reasons::add);
            deviceReasons(feature, device, reasons);
            statuses.add(new FeatureStatus(feature.label, reasons.isEmpty(), reasons));
        }
        Map<String, String> paramValues = new LinkedHashMap<>();
        params.forEach((name, read) -> {
            if (read instanceof PlatformFiles.Text text) {
                paramValues.put(name, text.text().trim());
            }
        });
        return new SevPlatformReport(statuses.get(0), statuses.get(1), statuses.get(2), cpu, cpuProblem,
                cpuinfo.flags(), paramValues, device);
    }

    private static Optional<String> cpuReasons(Feature feature, Optional<CpuidSevInfo> cpu,
                                               Optional<String> cpuProblem) {
        if (cpu.isEmpty()) {
            return cpuProblem;
        }
        CpuidSevInfo info = cpu.get();
        if (!info.isAmd()) {
            return Optional.of("the CPU is not AMD (CPUID vendor \"" + info.vendor() + "\"); " + feature.label
                    + " needs an AMD processor");
        }
        if (!info.leafPresent()) {
            return Optional.of("the CPU does not implement CPUID leaf 0x8000001F (highest extended leaf 0x"
                    + Long.toHexString(info.maxExtendedLeaf()) + ")");
        }
        if (!feature.cpuSupports(info)) {
            return Optional.of("CPU does not report " + feature.label + " (CPUID 0x8000001F EAX bit "
                    + feature.cpuidBit + " clear)");
        }
        return Optional.empty();
    }

    private static Optional<String> kvmAmdReason(Feature feature, PlatformFiles.Read read, boolean kvmAmdLoaded) {
        String path = KVM_AMD_PARAMETERS + feature.key;
        return switch (read) {
            case PlatformFiles.Missing missing -> Optional.of(kvmAmdLoaded
                    ? path + " does not exist (this kvm_amd has no " + feature.label + " support)"
                    : "kvm_amd is not loaded (" + KVM_AMD_MODULE + " does not exist)");
            case PlatformFiles.Unreadable unreadable -> Optional.of(path + " cannot be read: " + unreadable.reason());
            case PlatformFiles.Text text -> {
                String value = text.text().trim();
                boolean enabled = value.equals("Y") || value.equals("y") || value.equals("1");
                yield enabled ? Optional.empty()
                        : Optional.of("kvm_amd parameter " + feature.key + " is " + value + " (" + feature.label
                        + " disabled in KVM)");
            }
        };
    }

    private static void deviceReasons(Feature feature, SevDeviceState device, List<String> reasons) {
        if (!device.exists()) {
            reasons.add(DEV_SEV + " does not exist");
            return;
        }
        if (!device.opened()) {
            reasons.add(DEV_SEV + " cannot be opened: " + device.problem().orElse("unknown error"));
            return;
        }
        if (feature != Feature.SEV_SNP) {
            return;
        }
        if (device.snpStatus().isEmpty()) {
            reasons.add("SNP_PLATFORM_STATUS on " + DEV_SEV + " failed: " + device.problem().orElse("unknown error"));
            return;
        }
        SnpPlatformStatus status = device.snpStatus().get();
        if (status.state() != SnpPlatformStatus.STATE_INIT) {
            reasons.add("SNP firmware is in state " + status.stateName() + ", not INIT");
        }
    }

    private record CpuinfoFlags(Set<String> flags, Optional<String> problem) {
        Optional<String> reason(Feature feature) {
            if (problem.isPresent()) {
                return problem;
            }
            return flags.contains(feature.key) ? Optional.empty()
                    : Optional.of(CPUINFO + " does not list the " + feature.key + " flag (the kernel has not enabled "
                    + feature.label + ")");
        }
    }

    /** The SEV flags of the first processor's "flags" line. */
    private CpuinfoFlags readCpuinfoFlags() {
        PlatformFiles.Read read = files.read(CPUINFO);
        return switch (read) {
            case PlatformFiles.Missing missing -> new CpuinfoFlags(Set.of(), Optional.of(CPUINFO + " does not exist"));
            case PlatformFiles.Unreadable unreadable ->
                    new CpuinfoFlags(Set.of(), Optional.of(CPUINFO + " cannot be read: " + unreadable.reason()));
            case PlatformFiles.Text text -> {
                for (String line : text.text().split("\n")) {
                    int colon = line.indexOf(':');
                    if (colon > 0 && line.substring(0, colon).trim().equals("flags")) {
                        Set<String> sevFlags = new LinkedHashSet<>();
                        for (String flag : line.substring(colon + 1).trim().split("\\s+")) {
                            if (Arrays.asList("sev", "sev_es", "sev_snp").contains(flag)) {
                                sevFlags.add(flag);
                            }
                        }
                        yield new CpuinfoFlags(sevFlags, Optional.empty());
                    }
                }
                yield new CpuinfoFlags(Set.of(), Optional.of(CPUINFO + " has no flags line"));
            }
        };
    }

    private Map<String, PlatformFiles.Read> readKvmAmdParameters() {
        Map<String, PlatformFiles.Read> params = new LinkedHashMap<>();
        for (Feature feature : Feature.values()) {
            params.put(feature.key, files.read(KVM_AMD_PARAMETERS + feature.key));
        }
        return params;
    }

    private SevDeviceState probeDevice() {
        if (!files.exists(DEV_SEV)) {
            return new SevDeviceState(false, false, Optional.empty(), Optional.empty());
        }
        SevDevice device;
        try {
            device = SevDevice.openReadOnly(files.resolve(DEV_SEV));
        } catch (SevDeviceException e) {
            return new SevDeviceState(true, false, Optional.empty(), Optional.of(e.getMessage()));
        }
        try (device) {
            return new SevDeviceState(true, true, Optional.of(device.snpPlatformStatus()), Optional.empty());
        } catch (SevDeviceException e) {
            return new SevDeviceState(true, true, Optional.empty(), Optional.of(e.getMessage()));
        }
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ');
    }
}
