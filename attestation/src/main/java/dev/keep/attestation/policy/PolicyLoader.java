package dev.keep.attestation.policy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keep.attestation.report.Product;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a {@link VerificationPolicy} from JSON. Unknown keys are refused: a misspelt key ("allowDebugg") would
 * otherwise be ignored silently and leave the policy weaker than its author meant.
 *
 * <pre>{@code
 * { "allowDebug": false, "allowMigrationAgent": false, "allowSmt": true, "minimumGuestAbi": "1.51",
 *   "vmpl": 0, "minimumTcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115, "fmc": 0},
 *   "allowedMeasurements": ["7a1e..."], "hostData": "...", "allowedIdKeyDigests": [], "allowedAuthorKeyDigests": [],
 *   "reportData": "...", "product": "Milan" }
 * }</pre>
 * {@code "vmpl": null} accepts any VMPL; a missing key keeps the default.
 */
public final class PolicyLoader {
    private static final Set<String> KEYS = Set.of("allowDebug", "allowMigrationAgent", "allowSmt", "minimumGuestAbi",
            "vmpl", "minimumTcb", "allowedMeasurements", "hostData", "allowedIdKeyDigests",
            "allowedAuthorKeyDigests", "reportData", "product");
    private static final Set<String> TCB_KEYS = Set.of("bootloader", "tee", "snp", "microcode", "fmc");
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    private PolicyLoader() {}

    public static VerificationPolicy load(Path file) throws PolicyException {
        byte[] contents;
        try {
            contents = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PolicyException("policy file " + file + " does not exist");
        } catch (IOException e) {
            throw new PolicyException("policy file " + file + " cannot be read: " + e.getMessage());
        }
        return parse(contents, "policy file " + file);
    }

    /** Parses policy JSON; {@code source} prefixes error messages. */
    public static VerificationPolicy parse(byte[] json, String source) throws PolicyException {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JacksonException e) {
            throw new PolicyException(source + ": not valid JSON (" + e.getOriginalMessage().replaceAll("\\s+", " ")
                    + ")");
        } catch (IOException e) {
            throw new PolicyException(source + ": cannot be read (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw new PolicyException(source + ": top level must be a JSON object");
        }
        try {
            return fromObject((ObjectNode) root, source);
        } catch (IllegalArgumentException e) {
            throw new PolicyException(source + ": " + e.getMessage());
        }
    }

    private static VerificationPolicy fromObject(ObjectNode root, String source) throws PolicyException {
        rejectUnknown(root, KEYS, source, "");
        VerificationPolicy.Builder b = VerificationPolicy.builder();
        if (root.has("allowDebug")) {
            b.allowDebug(bool(root, "allowDebug", source));
        }
        if (root.has("allowMigrationAgent")) {
            b.allowMigrationAgent(bool(root, "allowMigrationAgent", source));
        }
        if (root.has("allowSmt")) {
            b.allowSmt(bool(root, "allowSmt", source));
        }
        if (root.has("minimumGuestAbi")) {
            b.minimumGuestAbi(VerificationPolicy.AbiVersion.parse(text(root, "minimumGuestAbi", source)));
        }
        if (root.has("vmpl")) {
            JsonNode v = root.get("vmpl");
            if (v.isNull()) {
                b.vmpl(null);
            } else if (v.isInt()) {
                b.vmpl(v.intValue());
            } else {
                throw new PolicyException(source + ": key 'vmpl' must be an integer 0..3 or null");
            }
        }
        if (root.has("minimumTcb")) {
            b.minimumTcb(minimumTcb(root.get("minimumTcb"), source));
        }
        for (String hex : strings(root, "allowedMeasurements", source)) {
            b.allowMeasurement(hex);
        }
        if (root.has("hostData")) {
            b.hostData(text(root, "hostData", source));
        }
        for (String hex : strings(root, "allowedIdKeyDigests", source)) {
            b.allowIdKeyDigest(hex);
        }
        for (String hex : strings(root, "allowedAuthorKeyDigests", source)) {
            b.allowAuthorKeyDigest(hex);
        }
        if (root.has("reportData")) {
            b.reportData(text(root, "reportData", source));
        }
        if (root.has("product")) {
            String name = text(root, "product", source);
            b.product(Product.fromName(name).orElseThrow(() -> new IllegalArgumentException(
                    "key 'product' must be Milan, Genoa or Turin, got '" + name + "'")));
        }
        return b.build();
    }

    private static MinimumTcb minimumTcb(JsonNode node, String source) throws PolicyException {
        if (!node.isObject()) {
            throw new PolicyException(source + ": key 'minimumTcb' must be an object");
        }
        rejectUnknown((ObjectNode) node, TCB_KEYS, source, "minimumTcb.");
        return new MinimumTcb(spl(node, "bootloader", source), spl(node, "tee", source), spl(node, "snp", source),
                spl(node, "microcode", source), spl(node, "fmc", source));
    }

    private static int spl(JsonNode tcb, String key, String source) throws PolicyException {
        JsonNode v = tcb.get(key);
        if (v == null) {
            return 0;
        }
        if (!v.isInt() || v.intValue() < 0 || v.intValue() > 255) {
            throw new PolicyException(source + ": key 'minimumTcb." + key + "' must be an integer 0..255");
        }
        return v.intValue();
    }

    private static void rejectUnknown(ObjectNode node, Set<String> known, String source, String prefix)
            throws PolicyException {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new PolicyException(source + ": unknown key '" + prefix + name + "' (known keys: "
                        + String.join(", ", new TreeSet<>(known)) + ")");
            }
        }
    }

    private static boolean bool(JsonNode root, String key, String source) throws PolicyException {
        JsonNode v = root.get(key);
        if (!v.isBoolean()) {
            throw new PolicyException(source + ": key '" + key + "' must be true or false");
        }
        return v.booleanValue();
    }

    private static String text(JsonNode root, String key, String source) throws PolicyException {
        JsonNode v = root.get(key);
        if (!v.isTextual()) {
            throw new PolicyException(source + ": key '" + key + "' must be a string");
        }
        return v.textValue();
    }

    private static List<String> strings(JsonNode root, String key, String source) throws PolicyException {
        JsonNode v = root.get(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            throw new PolicyException(source + ": key '" + key + "' must be an array of hex strings");
        }
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw new PolicyException(source + ": key '" + key + "' must be an array of hex strings");
            }
            out.add(item.textValue());
        }
        return out;
    }
}
