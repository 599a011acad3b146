package dev.keep.kvm;

/**
 * The one-sentence explanations for a KVM device that cannot be used. Shared by
 * {@link Kvm#open} (as exception messages) and {@link KvmProbe} (as the status's reason), so
 * `keep platform info` and a failing `keep run` say the same thing.
 */
final class KvmDeviceErrors {

    private KvmDeviceErrors() {}

    /** Why open(device) failed with {@code errno}; {@code facts} explain a missing node. */
    static String openFailure(String device, int errno, HostFacts facts) {
        return switch (errno) {
            case LibcConstants.ENOENT -> missing(device, facts);
            case LibcConstants.EACCES, LibcConstants.EPERM ->
                    "permission denied opening " + device + ": add your user to the kvm group";
            case LibcConstants.ENXIO, LibcConstants.ENODEV -> device
                    + " exists but no KVM driver is bound to it (" + Libc.strerror(errno) + ")";
            default -> "cannot open " + device + ": " + Libc.strerror(errno);
        };
    }

    /** The device answered KVM_GET_API_VERSION with an error: it is some other file. */
    static String notKvm(String device, NativeCallException failure) {
        return device + " is not a KVM device: " + failure.getMessage();
    }

    static String wrongApiVersion(String device, int version) {
        return device + " speaks KVM API version " + version + " but Keep needs version "
                + KvmConstants.KVM_API_VERSION;
    }

    /** Why the device node is missing, as precisely as the readable host facts allow. */
    static String missing(String device, HostFacts facts) {
        String prefix = device + " does not exist: ";
        if (facts.kvmMiscMinor().isPresent()) {
            return prefix + "the kernel registered the kvm device (misc minor "
                    + facts.kvmMiscMinor().getAsInt() + " in /proc/misc) but the node is missing;"
                    + " create it with 'mknod " + device + " c 10 " + facts.kvmMiscMinor().getAsInt()
                    + "' or fix devtmpfs/udev";
        }
        return prefix + switch (facts.virtualization()) {
            case HARDWARE -> facts.hardwareModule()
                    .map(module -> module + " is loaded but registered no kvm device (it is not in"
                            + " /proc/misc), so virtualization is probably disabled in the firmware")
                    .orElseGet(() -> "the CPU supports " + (facts.hasSvm() ? "AMD-V (svm)" : "VT-x (vmx)")
                            + " but neither kvm_amd nor kvm_intel is loaded (try 'modprobe "
                            + (facts.hasSvm() ? "kvm_amd" : "kvm_intel") + "')");
            case NESTED_PVM -> "kvm_pvm is present but registered no kvm device (it is not in"
                    + " /proc/misc)" + pvmGuestExplanation(facts);
            case NONE -> "this host has no KVM support (no kvm_amd, kvm_intel or kvm_pvm module"
                    + " and no svm/vmx CPU flag)" + (facts.runsUnderHypervisor()
                            ? ", it is a virtual machine without nested virtualization" : "");
        };
    }

    private static String pvmGuestExplanation(HostFacts facts) {
        if (facts.pvmGuestKernel() && facts.runsUnderHypervisor()) {
            return ", because this kernel is itself a guest (cpuinfo has the 'hypervisor' flag"
                    + " and no svm/vmx) built as a PVM guest (CONFIG_PVM_GUEST=y), and kvm-pvm"
                    + " does not bind inside a PVM guest";
        }
        if (facts.runsUnderHypervisor()) {
            return ", probably because this kernel is itself a guest (cpuinfo has the"
                    + " 'hypervisor' flag) and kvm-pvm does not bind inside a PVM guest";
        }
        return ", so kvm-pvm failed to initialise on this kernel";
    }
}
