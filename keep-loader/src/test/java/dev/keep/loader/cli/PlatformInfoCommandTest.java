package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code keep platform info} on this real host: its answers must agree with what the host shows. */
class PlatformInfoCommandTest {
    @Test
    void jsonReportAgreesWithTheHost() throws Exception {
        CliRun.Result r = keep("platform", "info", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode report = new ObjectMapper().readTree(r.out());

        JsonNode kvm = report.get("kvm");
        assertEquals(Files.exists(Path.of("/dev/kvm")), kvm.get("present").asBoolean());
        assertTrue(kvm.get("kind").asText().matches("hardware|nested-pvm|none"));
        if (!kvm.get("usable").asBoolean()) {
            assertFalse(kvm.get("reason").asText().isBlank(), "an unusable /dev/kvm needs a reason");
        }

        for (String feature : new String[] {"SEV", "SEV-ES", "SEV-SNP"}) {
            JsonNode f = report.get("sev").get(feature);
            assertTrue(f.get("available").isBoolean(), feature);
            if (!f.get("available").asBoolean()) {
                assertTrue(f.get("reasons").size() > 0, feature + " unavailable needs a reason");
            }
        }
        if (!Files.exists(Path.of("/dev/sev"))) {
            assertFalse(report.get("sev").get("SEV-SNP").get("available").asBoolean());
        }

        JsonNode backends = report.get("backends");
        assertEquals(java.util.List.of("sev-snp", "kvm", "nil"), iterate(backends.fieldNames()));
        assertTrue(backends.get("nil").get("available").asBoolean());
        for (String name : new String[] {"sev-snp", "kvm"}) {
            JsonNode b = backends.get(name);
            if (!b.get("available").asBoolean()) {
                assertFalse(b.get("detail").asText().isBlank(), name + " needs its reason");
            }
        }
        JsonNode kvmBackend = backends.get("kvm");
        assertEquals(kvm.get("usable").asBoolean(), kvmBackend.get("available").asBoolean());
        assertFalse(kvmBackend.get("chosenByAuto").asBoolean(), "auto never chooses the experimental kvm backend");
        assertTrue(backends.get("nil").get("chosenByAuto").asBoolean());
        assertTrue(kvmBackend.get("detail").asText().contains("experimental"), kvmBackend.toString());
        if (!kvm.get("usable").asBoolean()) {
            assertTrue(kvmBackend.get("detail").asText().contains(kvm.get("reason").asText()), kvmBackend.toString());
        }
    }

    @Test
    void textReportNamesEverySection() {
        CliRun.Result r = keep("platform", "info");
        assertEquals(0, r.exit(), r.err());
        for (String part : new String[] {"KVM", "/dev/kvm", "SEV-SNP", "sev-snp", "kvm", "nil", "NO isolation"}) {
            assertTrue(r.out().contains(part), part + " missing from:\n" + r.out());
        }
    }

    @Test
    void platformNeedsASubcommand() {
        CliRun.Result r = keep("platform");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("subcommand is required"), r.err());
    }

    private static java.util.List<String> iterate(java.util.Iterator<String> it) {
        java.util.List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
