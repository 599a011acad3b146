package dev.keep.kvm;

import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the host's /sys, /proc and config say about virtualization, read once. Every field comes
 * from a file any user may read; nothing here needs dmesg or root.
 *
 * @param hardwareModule "kvm_amd" or "kvm_intel" when /sys/module has it
 * @param pvmModule /sys/module/kvm_pvm exists
 * @param cpuFlags the first "flags" line of /proc/cpuinfo
 * @param kvmMiscMinor the misc minor of "kvm" in /proc/misc, when KVM registered its device
 * @param pvmGuestKernel /proc/config.gz says CONFIG_PVM_GUEST=y
 */
record HostFacts(Optional<String> hardwareModule, boolean pvmModule, Set<String> cpuFlags,
        OptionalInt kvmMiscMinor, boolean pvmGuestKernel) {

    static HostFacts read(HostRoot root) {
        Optional<String> hardware = Optional.empty();
        for (String module : new String[] {"kvm_amd", "kvm_intel"}) {
            if (root.exists("/sys/module/" + module)) {
                hardware = Optional.of(module);
                break;
            }
        }
        return new HostFacts(hardware, root.exists("/sys/module/kvm_pvm"),
                cpuFlags(root.readText("/proc/cpuinfo").orElse("")),
                kvmMiscMinor(root.readText("/proc/misc").orElse("")),
                root.readGzipText("/proc/config.gz").orElse("").lines()
                        .anyMatch(line -> line.strip().equals("CONFIG_PVM_GUEST=y")));
    }

    /** Flags of the first CPU; the kernel prints the same set for every CPU. */
    static Set<String> cpuFlags(String cpuinfo) {
        return cpuinfo.lines()
                .filter(line -> line.startsWith("flags") && line.indexOf(':') > 0)
                .findFirst()
                .map(line -> Arrays.stream(line.substring(line.indexOf(':') + 1).trim()
                        .split("\\s+")).filter(s -> !s.isEmpty()).collect(Collectors.toSet()))
                .orElse(Set.of());
    }

    /** /proc/misc lines are "minor name"; KVM registers as "kvm" once a vendor module binds. */
    static OptionalInt kvmMiscMinor(String misc) {
        for (String line : misc.lines().toList()) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length == 2 && parts[1].equals("kvm")) {
                try {
                    return OptionalInt.of(Integer.parseInt(parts[0]));
                } catch (NumberFormatException e) {
                    return OptionalInt.empty();
                }
            }
        }
        return OptionalInt.empty();
    }

    boolean hasSvm() {
        return cpuFlags.contains("svm");
    }

    boolean hasVmx() {
        return cpuFlags.contains("vmx");
    }

    /** The CPUID "hypervisor" bit as the kernel reports it: this kernel runs as a guest. */
    boolean runsUnderHypervisor() {
        return cpuFlags.contains("hypervisor");
    }

    Virtualization virtualization() {
        if (hardwareModule.isPresent()) {
            return Virtualization.HARDWARE;
        }
        if (pvmModule) {
            return Virtualization.NESTED_PVM;
        }
        if (hasSvm() || hasVmx()) {
            return Virtualization.HARDWARE;
        }
        return Virtualization.NONE;
    }
}
