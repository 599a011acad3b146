package dev.keep.loader.cli;

import dev.keep.kvm.KvmProbe;
import dev.keep.kvm.KvmStatus;
import dev.keep.loader.backend.Availability;
import dev.keep.sev.SevPlatformReport;
import dev.keep.sev.SevProbe;

/** Whether this host can run KVM and SEV-SNP keeps, from the kvm-backend and sev-backend probes. */
final class HostProbes {
    private HostProbes() {}

    static Availability kvm() {
        return kvm(KvmProbe.probe());
    }

    static Availability kvm(KvmStatus status) {
        return status.unusableReason()
                .map(Availability::unavailable)
                .orElseGet(() -> Availability.available(status.devicePath() + " usable, API version "
                        + status.apiVersion().orElse(-1) + " (" + status.virtualization().label() + ")"));
    }

    static Availability sevSnp() {
        return sevSnp(SevProbe.forHost().probe());
    }

    static Availability sevSnp(SevPlatformReport report) {
        return report.sevSnp().available()
                ? Availability.available("SEV-SNP available")
                : Availability.unavailable(String.join("; ", report.sevSnp().reasons()));
    }
}
