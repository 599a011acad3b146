package dev.keep.loader.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.Backend;
import java.util.LinkedHashMap;
import java.util.Map;

/** What {@code keep platform info} shows: per backend, available or the exact reason not. */
record PlatformReport(Map<String, Availability> backends) {

    static PlatformReport collect() {
        Map<String, Availability> backends = new LinkedHashMap<>();
        for (Backend b : Backends.selector(line -> {}).backends()) {
            backends.put(b.kind().cliName(), b.availability());
        }
        return new PlatformReport(backends);
    }

    String toText() {
        StringBuilder out = new StringBuilder("backends:\n");
        backends.forEach((name, a) -> out.append(String.format("  %-8s %s: %s%n", name,
                a.available() ? "available" : "unavailable", a.detail())));
        return out.toString();
    }

    String toJson() {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        ObjectNode b = root.putObject("backends");
        backends.forEach((name, a) -> b.putObject(name).put("available", a.available()).put("detail", a.detail()));
        try {
            return mapper.writeValueAsString(root) + System.lineSeparator();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
