package dev.keep.attestation.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads a service's audit log (audit.jsonl in the test folder), failing if any line is not a JSON object. */
final class AuditLines {
    private AuditLines() {}

    static List<JsonNode> lines(Path dir) throws IOException {
        ObjectMapper m = new ObjectMapper();
        return Files.readAllLines(dir.resolve("audit.jsonl")).stream().map(l -> {
            try {
                JsonNode n = m.readTree(l);
                if (!n.isObject() || !n.has("decision") || !n.has("reasons") || !n.has("time")) {
                    throw new AssertionError("audit line lacks decision, reasons or time: " + l);
                }
                return n;
            } catch (IOException e) {
                throw new AssertionError("audit line is not JSON: " + l, e);
            }
        }).toList();
    }
}
