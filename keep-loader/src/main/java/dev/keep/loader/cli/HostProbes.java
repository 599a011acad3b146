package dev.keep.loader.cli;

import dev.keep.loader.backend.Availability;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether this host can run KVM and SEV-SNP keeps, as availabilities for the backends. */
final class HostProbes {
    private HostProbes() {}

    static Availability kvm() {
        Path dev = Path.of("/dev/kvm");
        if (!Files.exists(dev)) {
            return Availability.unavailable("/dev/kvm does not exist");
        }
        return Availability.available("/dev/kvm present");
    }

    static Availability sevSnp() {
        return Availability.unavailable("SEV-SNP detection not wired yet");
    }
}
