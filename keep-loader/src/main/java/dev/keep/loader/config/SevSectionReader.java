package dev.keep.loader.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keep.sev.launch.SnpGuestPolicy;
import dev.keep.sev.launch.SnpIdBlock;
import dev.keep.sev.launch.SnpLaunchAbi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads Keep.toml's {@code [sev]} section into a {@link SevConfig}:
 * <pre>
 * [sev]
 * policy = { abi_major = 1, debug = false }   # or the same keys directly in [sev]
 * host_data = "00112233...eeff"               # 64 hex digits, optional
 * id_block = "id-block.bin"                   # 96 bytes, optional, together with id_auth
 * id_auth = "id-auth.bin"                     # 4096 bytes
 * author_key = false                          # id_auth also carries an author key
 * </pre>
 * Policy keys are {@link SnpGuestPolicy#KEYS}; absent ones keep {@link SnpGuestPolicy#defaults()}.
 * A policy KVM's SNP launch would refuse is refused here, at the key that causes it, so the user
 * learns it from the file and not from a bare EINVAL at launch.
 */
final class SevSectionReader {
    private static final Set<String> OTHER_KEYS = Set.of("policy", "host_data", "id_block", "id_auth", "author_key");
    private static final Set<String> ABI_KEYS = Set.of("abi_major", "abi_minor");

    private SevSectionReader() {
    }

    static SevConfig read(JsonNode sev, KeepConfigParser.Checker check, Path baseDir) {
        check.isTable(sev, "sev");
        Set<String> allowed = new HashSet<>(OTHER_KEYS);
        allowed.addAll(SnpGuestPolicy.KEYS);
        check.onlyKeys(sev, "sev", allowed);

        SnpGuestPolicy policy = readPolicy(sev, check);
        byte[] hostData = new byte[SnpLaunchAbi.HOST_DATA_SIZE];
        if (sev.has("host_data")) {
            hostData = hostData(check.string(sev.get("host_data"), "sev.host_data"), check);
        }
        Optional<SnpIdBlock> idBlock = readIdBlock(sev, check, baseDir, policy);
        return new SevConfig(policy, hostData, idBlock);
    }

    /** The policy from {@code policy = {...}} or from keys directly in [sev], never both. */
    private static SnpGuestPolicy readPolicy(JsonNode sev, KeepConfigParser.Checker check) {
        JsonNode table = sev;
        String prefix = "sev";
        if (sev.has("policy")) {
            table = sev.get("policy");
            prefix = "sev.policy";
            check.isTable(table, prefix);
            check.onlyKeys(table, prefix, SnpGuestPolicy.KEYS);
            for (String key : (Iterable<String>) sev::fieldNames) {
                check.require(!SnpGuestPolicy.KEYS.contains(key), "sev." + key,
                        "is a policy key next to sev.policy; set it inside sev.policy or drop the policy table");
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (String key : (Iterable<String>) table::fieldNames) {
            if (!SnpGuestPolicy.KEYS.contains(key)) {
                continue;
            }
            String path = prefix + "." + key;
            JsonNode value = table.get(key);
            if (ABI_KEYS.contains(key)) {
                check.require(value.isIntegralNumber() && value.canConvertToInt() && value.intValue() >= 0
                        && value.intValue() <= 0xFF, path, "must be a whole number from 0 to 255, got "
                        + (value.isNumber() ? value.asText() : KeepConfigParser.Checker.describe(value)));
                values.put(key, value.intValue());
            } else {
                values.put(key, check.bool(value, path));
            }
        }
        SnpGuestPolicy policy;
        try {
            policy = SnpGuestPolicy.fromMap(values);
        } catch (IllegalArgumentException e) {
            throw check.error(prefix, e.getMessage());
        }
        try {
            policy.requireKvmAccepts();
        } catch (IllegalArgumentException e) {
            String where = prefix;
            throw check.error(culprit(values, e.getMessage()).map(key -> where + "." + key).orElse(where),
                    e.getMessage());
        }
        return policy;
    }

    /**
     * The key a KVM refusal is about: every such refusal names the keys it objects to, and only a key
     * the file set can turn a default policy (which KVM accepts) into a refused one.
     */
    private static Optional<String> culprit(Map<String, Object> values, String refusal) {
        return values.keySet().stream().filter(key -> refusal.matches(".*\\b" + key + "\\b.*")).findFirst();
    }

    private static byte[] hostData(String text, KeepConfigParser.Checker check) {
        boolean hex = text.length() == 2 * SnpLaunchAbi.HOST_DATA_SIZE
                && text.chars().allMatch(HexFormat::isHexDigit);
        check.require(hex, "sev.host_data", "must be " + 2 * SnpLaunchAbi.HOST_DATA_SIZE + " hex digits ("
                + SnpLaunchAbi.HOST_DATA_SIZE + " bytes), got " + text.length() + " characters"
                + (text.length() <= 80 ? " '" + text + "'" : ""));
        return HexFormat.of().parseHex(text);
    }

    /** id_block and id_auth name files next to Keep.toml; one without the other is an error. */
    private static Optional<SnpIdBlock> readIdBlock(JsonNode sev, KeepConfigParser.Checker check, Path baseDir,
            SnpGuestPolicy policy) {
        boolean block = sev.has("id_block");
        boolean auth = sev.has("id_auth");
        if (!block && !auth) {
            check.require(!sev.has("author_key"), "sev.author_key", "goes with id_block and id_auth");
            return Optional.empty();
        }
        check.require(block, "sev.id_auth", "goes with id_block: the ID authentication structure signs an ID block");
        check.require(auth, "sev.id_block", "needs id_auth, the ID authentication structure that signs it");
        byte[] idBlock = file(sev, "id_block", SnpLaunchAbi.KVM_SEV_SNP_ID_BLOCK_SIZE, check, baseDir);
        byte[] idAuth = file(sev, "id_auth", SnpLaunchAbi.KVM_SEV_SNP_ID_AUTH_SIZE, check, baseDir);
        boolean authorKey = sev.has("author_key") && check.bool(sev.get("author_key"), "sev.author_key");
        SnpIdBlock id = new SnpIdBlock(idBlock, idAuth, authorKey);
        check.require(id.policy() == policy.bits(), "sev.id_block", String.format(
                "vouches for guest policy %#x but [sev] sets %#x; the firmware would refuse the launch",
                id.policy(), policy.bits()));
        return Optional.of(id);
    }

    private static byte[] file(JsonNode sev, String key, int size, KeepConfigParser.Checker check, Path baseDir) {
        String path = "sev." + key;
        String name = check.string(sev.get(key), path);
        check.require(!name.isEmpty() && name.indexOf('\0') < 0, path, "must be a non-empty path");
        Path file = baseDir.resolve(name).normalize();
        check.require(Files.isRegularFile(file), path, "'" + name + "' is not a file (" + file + ")");
        try {
            long length = Files.size(file);
            check.require(length == size, path, "'" + name + "' must be exactly " + size + " bytes, got " + length);
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw check.error(path, "cannot read '" + name + "': " + e.getMessage());
        }
    }
}
