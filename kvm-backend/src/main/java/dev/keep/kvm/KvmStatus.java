package dev.keep.kvm;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@link KvmProbe#probe()} found out about the host's KVM device.
 *
 * @param devicePath the device probed, normally /dev/kvm
 * @param present the device node exists
 * @param openable it could be opened read-write
 * @param apiVersion KVM_GET_API_VERSION's answer, when it could be asked
 * @param virtualization which KVM flavour the host has
 * @param unusableReason one sentence saying why KVM cannot be used; empty when it can
 */
public record KvmStatus(Path devicePath, boolean present, boolean openable,
        OptionalInt apiVersion, Virtualization virtualization, Optional<String> unusableReason) {

    public KvmStatus {
        Objects.requireNonNull(devicePath, "devicePath");
        Objects.requireNonNull(apiVersion, "apiVersion");
        Objects.requireNonNull(virtualization, "virtualization");
        Objects.requireNonNull(unusableReason, "unusableReason");
    }

    /** True when the device opens and speaks the API version this VMM needs. */
    public boolean usable() {
        return unusableReason.isEmpty();
    }
}
