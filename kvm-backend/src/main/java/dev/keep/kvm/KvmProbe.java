package dev.keep.kvm;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Finds out whether this host can run KVM guests, without ever failing: every problem becomes
 * the {@link KvmStatus#unusableReason()} sentence. Used by {@code keep platform info} and by
 * backend selection.
 */
public final class KvmProbe {

    /** Where the KVM device lives on Linux. */
    public static final String DEVICE = "/dev/kvm";

    private KvmProbe() {}

    /** Probes the running system. */
    public static KvmStatus probe() {
        return probe(HostRoot.system());
    }

    /** Probes the host tree under {@code root} (a test fixture or the real system). */
    public static KvmStatus probe(HostRoot root) {
        HostFacts facts = HostFacts.read(root);
        Virtualization kind = facts.virtualization();
        Path device = root.resolve(DEVICE);
        if (!root.exists(DEVICE)) {
            return new KvmStatus(device, false, false, OptionalInt.empty(), kind,
                    Optional.of(KvmDeviceErrors.missing(DEVICE, facts)));
        }
        int fd;
        try {
            fd = Libc.open(device.toString(), LibcConstants.O_RDWR | LibcConstants.O_CLOEXEC);
        } catch (NativeCallException e) {
            return new KvmStatus(device, true, false, OptionalInt.empty(), kind,
                    Optional.of(KvmDeviceErrors.openFailure(DEVICE, e.errno(), facts)));
        }
        try (OwnedFd kvm = new OwnedFd(fd, DEVICE)) {
            int version = kvm.ioctl(KvmIoctl.KVM_GET_API_VERSION, 0);
            Optional<String> reason = version == KvmConstants.KVM_API_VERSION
                    ? Optional.empty()
                    : Optional.of(KvmDeviceErrors.wrongApiVersion(DEVICE, version));
            return new KvmStatus(device, true, true, OptionalInt.of(version), kind, reason);
        } catch (NativeCallException e) {
            return new KvmStatus(device, true, true, OptionalInt.empty(), kind,
                    Optional.of(KvmDeviceErrors.notKvm(DEVICE, e)));
        }
    }
}
