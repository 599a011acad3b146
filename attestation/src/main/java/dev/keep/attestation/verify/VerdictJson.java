package dev.keep.attestation.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keep.attestation.protocol.SoftwareEvidence;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.GuestPolicy;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.TcbVersion;

/** Renders a {@link Verdict} as pretty-printed JSON. Fields of an unparseable report are null. */
final class VerdictJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private VerdictJson() {}

    static String render(Verdict verdict) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("verified", verdict.verified());
        if (verdict.software().isPresent()) {
            return withChecks(software(root, verdict.software().get()), verdict);
        }
        root.put("evidence", "sev-snp");
        root.put("hardwareRoot", true);
        root.put("product", verdict.product().map(Product::kdsName).orElse(null));
        AttestationReport report = verdict.report().orElse(null);
        if (report == null) {
            for (String key : new String[] {"reportVersion", "signingKey", "measurement", "reportedTcb", "chipId",
                "policy"}) {
                root.putNull(key);
            }
        } else {
            reportFields(root, report, verdict.product().orElse(null));
        }
        return withChecks(root, verdict);
    }

    /** Software evidence: what it claims, and a plain statement that nothing vouches for the claim. */
    private static ObjectNode software(ObjectNode root, SoftwareEvidence e) {
        root.put("evidence", "software");
        root.put("hardwareRoot", false);
        root.put("backend", e.backend());
        root.put("warning", "software evidence from the " + e.backend() + " backend: NO hardware root; the "
                + "measurement and REPORT_DATA are unsigned claims of the sender, accepted only by a policy that "
                + "allows software evidence (development use)");
        root.put("measurement", Hex.encode(e.measurement()));
        root.put("reportData", Hex.encode(e.reportData()));
        return root;
    }

    private static String withChecks(ObjectNode root, Verdict verdict) {
        ArrayNode checks = root.putArray("checks");
        for (Check c : verdict.checks()) {
            checks.addObject().put("name", c.name()).put("passed", c.passed()).put("detail", c.detail());
        }
        try {
            return MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("verdict JSON cannot be written", e);
        }
    }

    private static void reportFields(ObjectNode root, AttestationReport r, Product product) {
        root.put("reportVersion", r.version());
        root.put("signingKey", r.signingKey().lowerName());
        root.put("measurement", Hex.encode(r.measurement()));
        tcb(root, "reportedTcb", r.reportedTcbRaw(), product);
        tcb(root, "currentTcb", r.currentTcbRaw(), product);
        tcb(root, "committedTcb", r.committedTcbRaw(), product);
        tcb(root, "launchTcb", r.launchTcbRaw(), product);
        root.put("chipId", Hex.encode(r.chipId()));
        policy(root.putObject("policy"), r.policy());
        root.put("vmpl", r.vmpl());
        root.put("guestSvn", r.guestSvn());
        root.put("reportData", Hex.encode(r.reportData()));
        root.put("hostData", Hex.encode(r.hostData()));
        root.put("idKeyDigest", Hex.encode(r.idKeyDigest()));
        root.put("authorKeyDigest", Hex.encode(r.authorKeyDigest()));
        root.put("familyId", Hex.encode(r.familyId()));
        root.put("imageId", Hex.encode(r.imageId()));
        root.put("reportId", Hex.encode(r.reportId()));
        root.put("firmware", r.currentVersion().toString());
        root.put("committedFirmware", r.committedVersion().toString());
        root.put("platformInfo", "0x" + Long.toHexString(r.platformInfo().raw()));
    }

    private static void tcb(ObjectNode root, String key, long raw, Product product) {
        ObjectNode node = root.putObject(key);
        if (product == null) {
            node.put("raw", TcbVersion.decode(raw, dev.keep.attestation.report.TcbLayout.LEGACY).rawHex());
            return;
        }
        TcbVersion t = TcbVersion.decode(raw, product.tcbLayout());
        node.put("raw", t.rawHex());
        if (t.hasFmc()) {
            node.put("fmc", t.fmc());
        }
        node.put("bootloader", t.bootloader()).put("tee", t.tee()).put("snp", t.snp()).put("microcode", t.microcode());
    }

    private static void policy(ObjectNode node, GuestPolicy p) {
        node.put("raw", "0x" + Long.toHexString(p.raw()));
        node.put("abi", p.abi());
        node.put("smt", p.smtAllowed());
        node.put("migrationAgent", p.migrationAgentAllowed());
        node.put("debug", p.debugAllowed());
        node.put("singleSocket", p.singleSocket());
        node.put("cxlAllowed", p.cxlAllowed());
        node.put("memAes256Xts", p.memAes256Xts());
        node.put("raplDisabled", p.raplDisabled());
        node.put("ciphertextHiding", p.ciphertextHiding());
        node.put("pageSwapDisabled", p.pageSwapDisabled());
    }
}
