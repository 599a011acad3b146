package dev.keep.loader.wasi.suite;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.keep.loader.KeepException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a test's .json specification (wasi-testsuite doc/specification.md), legacy or
 * operation-based, with the spec's defaults for missing fields. Unlike the suite's own runner, which
 * only warns, an unknown field is an error: a misspelt {@code exit_code} would otherwise default to 0
 * and let a test pass that should not.
 */
public final class TestSpecParser {
    private static final Set<String> LEGACY_KEYS = Set.of("args", "root", "env", "exit_code", "stderr", "stdout");
    private static final Set<String> OPERATION_KEYS = Set.of("operations", "proposals");
    private static final long MAX_SPEC_BYTES = 1 << 20;
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private TestSpecParser() {}

    /**
     * The specification in {@code file}.
     *
     * @throws KeepException with one line naming the file when it cannot be read or is not a valid specification
     */
    public static TestSpec read(Path file) {
        try {
            if (Files.size(file) > MAX_SPEC_BYTES) {
                throw new KeepException(file + ": larger than " + MAX_SPEC_BYTES + " bytes, not a test specification");
            }
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new KeepException(file + ": cannot read: " + e.getMessage());
        }
    }

    /** Parses specification text; {@code display} names it in messages. */
    public static TestSpec parse(String text, String display) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            JsonLocation where = e.getLocation();
            String at = where == null || where.getLineNr() < 1 ? "" : ":" + where.getLineNr() + ":" + where.getColumnNr();
            throw invalid(display + at, oneLine(e.getOriginalMessage()));
        }
        try {
            return fromTree(root);
        } catch (SpecProblem e) {
            throw invalid(display, e.getMessage());
        }
    }

    private static TestSpec fromTree(JsonNode root) throws SpecProblem {
        if (root == null || !root.isObject()) {
            throw new SpecProblem("the top level must be a JSON object");
        }
        Set<String> keys = fieldNames(root);
        boolean operationBased = keys.stream().anyMatch(OPERATION_KEYS::contains);
        if (operationBased && keys.stream().anyMatch(LEGACY_KEYS::contains)) {
            throw new SpecProblem("mixes legacy fields " + sorted(keys, LEGACY_KEYS) + " with operation fields "
                    + sorted(keys, OPERATION_KEYS));
        }
        onlyKeys(root, "", operationBased ? OPERATION_KEYS : LEGACY_KEYS);
        return operationBased ? operationBased(root) : legacy(root);
    }

    /** The legacy form is run, read stdout and stderr when given, then wait: as the suite's runner converts it. */
    private static TestSpec legacy(JsonNode root) throws SpecProblem {
        List<Operation> operations = new ArrayList<>();
        operations.add(run(root, ""));
        Optional<String> stdout = optionalString(root, "stdout", "");
        if (stdout.isPresent()) {
            operations.add(new Operation.Read("stdout", stdout.get()));
        }
        Optional<String> stderr = optionalString(root, "stderr", "");
        if (stderr.isPresent()) {
            operations.add(new Operation.Read("stderr", stderr.get()));
        }
        operations.add(new Operation.Wait(exitCode(root, "")));
        return new TestSpec(operations, List.of());
    }

    private static TestSpec operationBased(JsonNode root) throws SpecProblem {
        List<String> proposals = stringList(root.get("proposals"), "proposals");
        JsonNode ops = root.get("operations");
        if (ops == null || ops.isNull() || (ops.isArray() && ops.isEmpty())) {
            // "When no operations are specified", the spec's default applies.
            return new TestSpec(TestSpec.defaults().operations(), proposals);
        }
        if (!ops.isArray()) {
            throw new SpecProblem("operations must be an array");
        }
        List<Operation> operations = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            operations.add(operation(ops.get(i), "operations[" + i + "]"));
        }
        OperationOrder.check(operations);
        return new TestSpec(operations, proposals);
    }

    private static Operation operation(JsonNode node, String where) throws SpecProblem {
        if (!node.isObject()) {
            throw new SpecProblem(where + " must be an object");
        }
        String type = optionalString(node, "type", where + ".").orElseThrow(() -> new SpecProblem(where + " has no type"));
        String at = where + " (" + type + ")";
        return switch (type) {
            case "run" -> {
                onlyKeys(node, at, Set.of("type", "args", "env", "root"));
                yield run(node, at + ".");
            }
            case "wait" -> {
                onlyKeys(node, at, Set.of("type", "exit_code"));
                yield new Operation.Wait(exitCode(node, at + "."));
            }
            case "read" -> {
                onlyKeys(node, at, Set.of("type", "id", "payload"));
                String stream = optionalString(node, "id", at + ".").orElse("stdout");
                if (!stream.equals("stdout") && !stream.equals("stderr")) {
                    throw new SpecProblem(at + ".id must be stdout or stderr, not '" + stream + "'");
                }
                yield new Operation.Read(stream, optionalString(node, "payload", at + ".").orElse(""));
            }
            case "write" -> {
                onlyKeys(node, at, Set.of("type", "id", "payload"));
                String stream = optionalString(node, "id", at + ".").orElse("stdin");
                if (!stream.equals("stdin")) {
                    throw new SpecProblem(at + ".id must be stdin, not '" + stream + "'");
                }
                yield new Operation.Write(optionalString(node, "payload", at + ".").orElse(""));
            }
            case "connect" -> {
                onlyKeys(node, at, Set.of("type", "id", "protocol_type"));
                String protocol = optionalString(node, "protocol_type", at + ".").orElse("tcp");
                if (!Set.of("tcp", "udp", "http").contains(protocol)) {
                    throw new SpecProblem(at + ".protocol_type must be tcp, udp or http, not '" + protocol + "'");
                }
                yield new Operation.Connect(optionalString(node, "id", at + ".").orElse("server"), protocol);
            }
            case "send", "recv" -> {
                onlyKeys(node, at, Set.of("type", "id", "payload"));
                String id = optionalString(node, "id", at + ".").orElseThrow(() -> new SpecProblem(at + " needs an id"));
                String payload = optionalString(node, "payload", at + ".").orElse("");
                yield type.equals("send") ? new Operation.Send(id, payload) : new Operation.Recv(id, payload);
            }
            default -> throw new SpecProblem(where + " has unknown type '" + type + "'");
        };
    }

    private static Operation.Run run(JsonNode node, String prefix) throws SpecProblem {
        List<String> args = stringList(node.get("args"), prefix + "args");
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode envNode = node.get("env");
        if (envNode != null && !envNode.isNull()) {
            if (!envNode.isObject()) {
                throw new SpecProblem(prefix + "env must be an object of strings");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = envNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new SpecProblem(prefix + "env." + e.getKey() + " must be a string");
                }
                if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0 || e.getKey().indexOf('\0') >= 0
                        || e.getValue().asText().indexOf('\0') >= 0) {
                    throw new SpecProblem(prefix + "env has a variable that cannot be passed: '" + e.getKey() + "'");
                }
                env.put(e.getKey(), e.getValue().asText());
            }
        }
        Optional<String> root = optionalString(node, "root", prefix);
        if (root.isPresent() && (root.get().isEmpty() || Path.of(root.get()).isAbsolute() || root.get().indexOf('\0') >= 0)) {
            throw new SpecProblem(prefix + "root must be a path relative to the test's directory, not '" + root.get() + "'");
        }
        return new Operation.Run(args, env, root);
    }

    private static int exitCode(JsonNode node, String prefix) throws SpecProblem {
        JsonNode code = node.get("exit_code");
        if (code == null || code.isNull()) {
            return 0;
        }
        if (!code.isIntegralNumber() || !code.canConvertToInt()) {
            throw new SpecProblem(prefix + "exit_code must be an integer, not " + code);
        }
        return code.intValue();
    }

    private static List<String> stringList(JsonNode node, String name) throws SpecProblem {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new SpecProblem(name + " must be an array of strings");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode item : node) {
            if (!item.isTextual()) {
                throw new SpecProblem(name + " must be an array of strings, but holds " + item);
            }
            values.add(item.asText());
        }
        return values;
    }

    /** A string field; JSON null counts as absent, as in the suite's runner. */
    private static Optional<String> optionalString(JsonNode node, String field, String prefix) throws SpecProblem {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw new SpecProblem(prefix + field + " must be a string, not " + value);
        }
        return Optional.of(value.asText());
    }

    private static void onlyKeys(JsonNode node, String where, Set<String> allowed) throws SpecProblem {
        for (String key : fieldNames(node)) {
            if (!allowed.contains(key)) {
                throw new SpecProblem((where.isEmpty() ? "" : where + ": ") + "unknown field '" + key + "' (expected "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<String> sorted(Set<String> keys, Set<String> of) {
        return keys.stream().filter(of::contains).sorted().toList();
    }

    private static KeepException invalid(String where, String detail) {
        return new KeepException(where + ": not a valid test specification: " + detail);
    }

    private static String oneLine(String text) {
        return text == null ? "malformed JSON" : text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** A problem found in the tree; the parser prefixes the file name. */
    static final class SpecProblem extends Exception {
        SpecProblem(String message) {
            super(message);
        }
    }
}
