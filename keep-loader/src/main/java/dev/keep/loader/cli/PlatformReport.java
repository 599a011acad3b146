package dev.keep.loader.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keep.kvm.KvmProbe;
import dev.keep.kvm.KvmStatus;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.Backend;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.jail.JailProbe;
import dev.keep.sev.FeatureStatus;
import dev.keep.sev.SevPlatformReport;
import dev.keep.sev.SevProbe;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code keep platform info} shows: the KVM device and its kind (hardware or nested), SEV,
 * SEV-ES and SEV-SNP, and per backend whether it can run here or the exact reason it cannot. The
 * host is probed once, and the backends' verdicts are derived from that same probe.
 */
record PlatformReport(KvmStatus kvm, SevPlatformReport sev, Map<BackendKind, Availability> backends, Availability jail) {

    static PlatformReport collect() {
        KvmStatus kvm = KvmProbe.probe();
        SevPlatformReport sev = SevProbe.forHost().probe();
        BackendSelector selector = Backends.selector(line -> {}, () -> HostProbes.kvm(kvm), () -> HostProbes.sevSnp(sev));
        Map<BackendKind, Availability> backends = new LinkedHashMap<>();
        for (Backend b : selector.backends()) {
            backends.put(b.kind(), b.availability());
        }
        return new PlatformReport(kvm, sev, backends, JailProbe.probe());
    }

    String toText() {
        StringBuilder out = new StringBuilder();
        out.append("KVM\n");
        line(out, "device", kvm.devicePath() + (kvm.present() ? (kvm.openable() ? " (opens)" : " (present, cannot open)") : " (missing)"));
        line(out, "kind", kvm.virtualization().label());
        line(out, "API version", kvm.apiVersion().isPresent() ? String.valueOf(kvm.apiVersion().getAsInt()) : "unknown");
        line(out, "usable", kvm.unusableReason().map(r -> "no: " + r).orElse("yes"));
        out.append("SEV\n");
        for (FeatureStatus f : List.of(sev.sev(), sev.sevEs(), sev.sevSnp())) {
            line(out, f.feature(), f.available() ? "available" : "no: " + String.join("; ", f.reasons()));
        }
        sev.cpuid().ifPresent(c -> line(out, "CPU vendor", c.vendor()));
        sev.device().snpStatus().ifPresent(s -> line(out, "SNP firmware",
                s.firmwareVersion() + ", state " + s.stateName() + ", reported TCB " + s.reportedTcbHex()));
        out.append("Backends (auto picks the first available that is not on request only)\n");
        backends.forEach((kind, a) -> line(out, kind.cliName(), verdict(kind, a) + a.detail()));
        out.append("Isolation\n");
        line(out, "jail", (jail.available() ? "available: " : "unavailable: ") + jail.detail());
        return out.toString();
    }

    private static String verdict(BackendKind kind, Availability a) {
        if (a.onRequestOnly()) {
            return "available with --backend " + kind.cliName() + " only (auto passes it over): ";
        }
        return a.available() ? "available: " : "unavailable: ";
    }

    private static void line(StringBuilder out, String label, String value) {
        out.append(String.format("  %-12s %s%n", label, value));
    }

    String toJson() {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        ObjectNode k = root.putObject("kvm");
        k.put("device", kvm.devicePath().toString());
        k.put("present", kvm.present());
        k.put("openable", kvm.openable());
        if (kvm.apiVersion().isPresent()) {
            k.put("apiVersion", kvm.apiVersion().getAsInt());
        } else {
            k.putNull("apiVersion");
        }
        k.put("kind", kvm.virtualization().label());
        k.put("usable", kvm.usable());
        kvm.unusableReason().ifPresent(r -> k.put("reason", r));
        ObjectNode s = root.putObject("sev");
        for (FeatureStatus f : List.of(sev.sev(), sev.sevEs(), sev.sevSnp())) {
            ObjectNode node = s.putObject(f.feature());
            node.put("available", f.available());
            f.reasons().forEach(node.putArray("reasons")::add);
        }
        sev.cpuid().ifPresent(c -> {
            s.put("cpuVendor", c.vendor());
            if (c.leafPresent()) {
                s.put("cBitPosition", c.cBitPosition());
            }
        });
        sev.device().snpStatus().ifPresent(st -> s.putObject("snpFirmware")
                .put("version", st.firmwareVersion().toString())
                .put("state", st.stateName())
                .put("reportedTcb", st.reportedTcbHex()));
        ObjectNode b = root.putObject("backends");
        backends.forEach((kind, a) -> b.putObject(kind.cliName()).put("available", a.available())
                .put("chosenByAuto", a.autoSelectable()).put("detail", a.detail()));
        root.putObject("jail").put("available", jail.available()).put("detail", jail.detail());
        try {
            return mapper.writeValueAsString(root) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the platform report", e);
        }
    }
}
