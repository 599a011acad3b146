package dev.keep.loader.wasi.suite;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.keep.loader.KeepException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The tests a backend is expected to fail, from {@code BACKEND-expected-failures.toml} next to this
 * class. Each entry names the test, the WASI rule it depends on, why the backend differs and what a
 * failing run shows, like the expectation files of the runtimes in the suite itself:
 *
 * <pre>
 * [[expected_failure]]
 * test = "rust/testsuite/wasm32-wasip1/path_rename"
 * rule = "path_rename renames directories"
 * why = "..."
 * observed = "renaming a directory: Errno { code: 58, name: \"NOTSUP\""
 * </pre>
 */
public final class ExpectedFailures {
    private static final Set<String> ENTRY_KEYS = Set.of("test", "rule", "why", "observed");

    private final String source;
    private final Map<String, ExpectedFailure> byTest;

    private ExpectedFailures(String source, Map<String, ExpectedFailure> byTest) {
        this.source = source;
        this.byTest = byTest;
    }

    /** No test is expected to fail. */
    public static ExpectedFailures none() {
        return new ExpectedFailures("(none)", Map.of());
    }

    /** The list shipped for {@code backend} ({@code nil}, {@code kvm}); none when it has no list. */
    public static ExpectedFailures forBackend(String backend) {
        String name = backend + "-expected-failures.toml";
        try (InputStream in = ExpectedFailures.class.getResourceAsStream(name)) {
            if (in == null) {
                return new ExpectedFailures(name, Map.of());
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
        } catch (IOException e) {
            throw new KeepException(name + ": cannot read: " + e.getMessage());
        }
    }

    /** Parses a list; {@code source} names it in messages and result lines. */
    public static ExpectedFailures parse(String toml, String source) {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(toml);
        } catch (JacksonException e) {
            throw new KeepException(source + ": invalid TOML: " + e.getOriginalMessage());
        }
        Map<String, ExpectedFailure> byTest = new LinkedHashMap<>();
        if (root == null || root.isEmpty()) {
            return new ExpectedFailures(source, byTest);
        }
        Set<String> top = new HashSet<>();
        root.fieldNames().forEachRemaining(top::add);
        if (!top.equals(Set.of("expected_failure")) || !root.get("expected_failure").isArray()) {
            throw new KeepException(source + ": expected only [[expected_failure]] entries, found " + top);
        }
        int index = 0;
        for (JsonNode entry : root.get("expected_failure")) {
            String at = source + ": expected_failure #" + ++index;
            List<String> keys = new ArrayList<>();
            entry.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                if (!ENTRY_KEYS.contains(key)) {
                    throw new KeepException(at + ": unknown key '" + key + "' (expected test, rule, why, observed)");
                }
            }
            ExpectedFailure failure = new ExpectedFailure(required(entry, "test", at), required(entry, "rule", at),
                    required(entry, "why", at), required(entry, "observed", at));
            if (byTest.put(failure.test(), failure) != null) {
                throw new KeepException(at + ": test " + failure.test() + " is listed twice");
            }
        }
        return new ExpectedFailures(source, byTest);
    }

    /** The file the list came from, for result lines. */
    public String source() {
        return source;
    }

    public Optional<ExpectedFailure> forTest(String id) {
        return Optional.ofNullable(byTest.get(id));
    }

    public List<ExpectedFailure> entries() {
        return List.copyOf(byTest.values());
    }

    private static String required(JsonNode entry, String key, String at) {
        JsonNode value = entry.get(key);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new KeepException(at + ": needs a non-empty '" + key + "'");
        }
        return value.asText().strip();
    }
}
