package dev.keep.attestation.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Append-only record of every decision, one JSON object per line: time, endpoint, decision, client address, the
 * profile or secret, the reasons (failed checks or what was wrong with the request) and facts such as the
 * measurement or the serial number issued. The file is opened for appending only and each line is written and
 * flushed whole under a lock, so concurrent requests never interleave. If the log cannot be written the service
 * must not act, so a failure here propagates and the request fails.
 */
public final class AuditLog implements Closeable {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path file;
    private final OutputStream out;
    private final Clock clock;

    public AuditLog(Path file, Clock clock) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        this.file = file;
        this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        this.clock = clock;
    }

    public Path file() {
        return file;
    }

    /** Appends one decision; {@code facts} values are written as strings, numbers or booleans. */
    public void record(String endpoint, String decision, String client, List<String> reasons,
            Map<String, ?> facts) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("time", clock.instant().toString());
        line.put("endpoint", endpoint);
        line.put("decision", decision);
        line.put("client", client);
        facts.forEach((k, v) -> line.set(k, MAPPER.valueToTree(v)));
        reasons.forEach(line.putArray("reasons")::add);
        if (reasons.isEmpty()) {
            line.putArray("reasons");
        }
        byte[] bytes;
        try {
            bytes = (MAPPER.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("audit line cannot be written", e);
        }
        synchronized (this) {
            try {
                out.write(bytes);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("audit log " + file + " cannot be written", e);
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
