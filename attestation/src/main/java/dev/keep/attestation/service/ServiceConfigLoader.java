package dev.keep.attestation.service;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.keep.attestation.kds.KdsClient;
import dev.keep.attestation.kds.KdsUrls;
import dev.keep.attestation.policy.PolicyException;
import dev.keep.attestation.policy.PolicyLoader;
import dev.keep.attestation.policy.VerificationPolicy;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads service.toml. Unknown keys are refused, as in policy files, because a misspelt key would otherwise leave
 * the service weaker than its author meant. Policy tables use the keys of {@link PolicyLoader} (the same as the
 * JSON policy of {@code keep attest verify --policy}). A secret must name the measurements it is released to:
 * a secret for any genuine SNP guest at all is almost certainly a mistake.
 */
public final class ServiceConfigLoader {
    static final int DEFAULT_MAX_BODY = 64 * 1024;
    static final Duration DEFAULT_VALIDITY = Duration.ofMinutes(60);
    static final Duration MAX_VALIDITY = Duration.ofDays(7);
    static final int DEFAULT_NONCE_SECONDS = 300;
    static final int DEFAULT_MAX_OUTSTANDING = 10_000;

    private static final Set<String> TOP = Set.of("listen", "max_body_bytes", "audit_log", "tls", "ca", "kds",
            "verify", "challenge", "profiles", "secrets");
    private static final Set<String> TLS = Set.of("cert", "key", "pkcs12", "password");
    private static final Set<String> CA = Set.of("cert", "key", "ephemeral");
    private static final Set<String> KDS = Set.of("fetch", "url", "cache");
    private static final Set<String> VERIFY = Set.of("policy", "allow_software_evidence");
    private static final Set<String> CHALLENGE = Set.of("lifetime_seconds", "max_outstanding");
    private static final Set<String> PROFILE = Set.of("policy", "require_nonce", "validity_minutes", "subject",
            "dns_names", "allow_software_evidence");
    private static final Set<String> SECRET = Set.of("policy", "require_nonce", "value", "value_base64", "file",
            "allow_software_evidence");

    private final Path file;
    private final Path base;

    private ServiceConfigLoader(Path file) {
        this.file = file;
        Path parent = file.toAbsolutePath().getParent();
        this.base = parent == null ? Path.of(".") : parent;
    }

    public static ServiceConfig load(Path file) throws ConfigException {
        byte[] contents;
        try {
            contents = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: " + e.getMessage());
        }
        return new ServiceConfigLoader(file).parse(contents);
    }

    private ServiceConfig parse(byte[] contents) throws ConfigException {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(contents);
        } catch (JacksonException e) {
            throw error("not valid TOML (" + e.getOriginalMessage().replaceAll("\\s+", " ") + ")");
        } catch (IOException e) {
            throw error("cannot be read (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) {
            throw error("empty");
        }
        known(root, TOP, "");
        String listen = text(root, "listen", "").orElse("127.0.0.1:8443");
        int colon = listen.lastIndexOf(':');
        int port;
        try {
            port = colon < 1 ? -1 : Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65535) {
            throw error("'listen' must be HOST:PORT (port 0..65535), got '" + listen + "'");
        }
        String host = listen.substring(0, colon).replaceAll("^\\[|\\]$", "");
        int maxBody = integer(root, "max_body_bytes", "").orElse(DEFAULT_MAX_BODY);
        if (maxBody < 1024 || maxBody > 16 * 1024 * 1024) {
            throw error("'max_body_bytes' must be 1024..16777216, got " + maxBody);
        }
        Path audit = text(root, "audit_log", "").map(base::resolve).orElse(base.resolve("audit.jsonl"));
        VerificationPolicy verifyPolicy = VerificationPolicy.defaults();
        if (root.has("verify")) {
            JsonNode verify = table(root, "verify", "");
            known(verify, VERIFY, "verify.");
            verifyPolicy = policy(verify, "verify.");
        }
        return new ServiceConfig(host, port, maxBody, tls(root), ca(root), kds(root), audit, verifyPolicy,
                challenges(root), profiles(root), secrets(root));
    }

    private ServiceConfig.Challenges challenges(JsonNode root) throws ConfigException {
        JsonNode c = root.has("challenge") ? table(root, "challenge", "") : new ObjectMapper().createObjectNode();
        known(c, CHALLENGE, "challenge.");
        int seconds = integer(c, "lifetime_seconds", "challenge.").orElse(DEFAULT_NONCE_SECONDS);
        if (seconds < 1 || seconds > 3600) {
            throw error("'challenge.lifetime_seconds' must be 1..3600 (nonces are short-lived), got " + seconds);
        }
        int max = integer(c, "max_outstanding", "challenge.").orElse(DEFAULT_MAX_OUTSTANDING);
        if (max < 1 || max > 1_000_000) {
            throw error("'challenge.max_outstanding' must be 1..1000000, got " + max);
        }
        return new ServiceConfig.Challenges(Duration.ofSeconds(seconds), max);
    }

    private Optional<ServiceConfig.Tls> tls(JsonNode root) throws ConfigException {
        if (!root.has("tls")) {
            return Optional.empty();
        }
        JsonNode t = table(root, "tls", "");
        known(t, TLS, "tls.");
        Optional<Path> cert = text(t, "cert", "tls.").map(base::resolve);
        Optional<Path> key = text(t, "key", "tls.").map(base::resolve);
        Optional<Path> p12 = text(t, "pkcs12", "tls.").map(base::resolve);
        if (p12.isPresent() == (cert.isPresent() || key.isPresent())) {
            throw error("[tls] needs either 'cert' and 'key' (PEM) or 'pkcs12' (with 'password'), not both");
        }
        if (p12.isEmpty() && (cert.isEmpty() || key.isEmpty())) {
            throw error("[tls] needs both 'cert' and 'key'");
        }
        return Optional.of(new ServiceConfig.Tls(cert, key, p12, text(t, "password", "tls.")));
    }

    private ServiceConfig.Ca ca(JsonNode root) throws ConfigException {
        if (!root.has("ca")) {
            throw error("[ca] is required: 'cert' and 'key' (PEM), or 'ephemeral = true' to make a CA at start");
        }
        JsonNode c = table(root, "ca", "");
        known(c, CA, "ca.");
        Optional<Path> cert = text(c, "cert", "ca.").map(base::resolve);
        Optional<Path> key = text(c, "key", "ca.").map(base::resolve);
        boolean ephemeral = bool(c, "ephemeral", "ca.").orElse(false);
        if (ephemeral == (cert.isPresent() || key.isPresent()) || (!ephemeral && (cert.isEmpty() || key.isEmpty()))) {
            throw error("[ca] needs either 'cert' and 'key' (PEM) or 'ephemeral = true'");
        }
        return new ServiceConfig.Ca(cert, key, ephemeral);
    }

    private ServiceConfig.Kds kds(JsonNode root) throws ConfigException {
        JsonNode k = root.has("kds") ? table(root, "kds", "") : new ObjectMapper().createObjectNode();
        known(k, KDS, "kds.");
        String url = text(k, "url", "kds.").orElse(KdsUrls.AMD_KDS.toString());
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw error("'kds.url' is not a URL: " + url);
        }
        if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
            throw error("'kds.url' must be an http(s) URL: " + url);
        }
        Path cache = text(k, "cache", "kds.").map(base::resolve).orElseGet(KdsClient::defaultCacheDir);
        return new ServiceConfig.Kds(bool(k, "fetch", "kds.").orElse(false), uri, cache);
    }

    private Map<String, ServiceConfig.Profile> profiles(JsonNode root) throws ConfigException {
        Map<String, ServiceConfig.Profile> out = new LinkedHashMap<>();
        if (!root.has("profiles")) {
            return out;
        }
        JsonNode all = table(root, "profiles", "");
        for (Iterator<String> it = all.fieldNames(); it.hasNext();) {
            String name = it.next();
            String where = "profiles." + name + ".";
            JsonNode p = table(all, name, "profiles.");
            known(p, PROFILE, where);
            int minutes = integer(p, "validity_minutes", where).orElse((int) DEFAULT_VALIDITY.toMinutes());
            Duration validity = Duration.ofMinutes(minutes);
            if (minutes < 1 || validity.compareTo(MAX_VALIDITY) > 0) {
                throw error("'" + where + "validity_minutes' must be 1.." + MAX_VALIDITY.toMinutes()
                        + " (certificates are short-lived), got " + minutes);
            }
            out.put(name, new ServiceConfig.Profile(name, policy(p, where),
                    bool(p, "require_nonce", where).orElse(true), validity, text(p, "subject", where),
                    strings(p, "dns_names", where)));
        }
        return out;
    }

    private Map<String, ServiceConfig.Secret> secrets(JsonNode root) throws ConfigException {
        Map<String, ServiceConfig.Secret> out = new LinkedHashMap<>();
        if (!root.has("secrets")) {
            return out;
        }
        JsonNode all = table(root, "secrets", "");
        for (Iterator<String> it = all.fieldNames(); it.hasNext();) {
            String name = it.next();
            String where = "secrets." + name + ".";
            JsonNode s = table(all, name, "secrets.");
            known(s, SECRET, where);
            VerificationPolicy policy = policy(s, where);
            if (policy.allowedMeasurements().isEmpty()) {
                throw error("'" + where + "policy.allowedMeasurements' must list the measurements this secret is "
                        + "released to");
            }
            out.put(name, new ServiceConfig.Secret(name, secretValue(s, where), policy,
                    bool(s, "require_nonce", where).orElse(true)));
        }
        return out;
    }

    private byte[] secretValue(JsonNode s, String where) throws ConfigException {
        Optional<String> value = text(s, "value", where);
        Optional<String> b64 = text(s, "value_base64", where);
        Optional<String> path = text(s, "file", where);
        if (value.isPresent() ? b64.isPresent() || path.isPresent() : b64.isPresent() == path.isPresent()) {
            throw error("'" + where + "' needs exactly one of 'value', 'value_base64' or 'file'");
        }
        if (value.isPresent()) {
            return value.get().getBytes(StandardCharsets.UTF_8);
        }
        if (b64.isPresent()) {
            try {
                return Base64.getDecoder().decode(b64.get());
            } catch (IllegalArgumentException e) {
                throw error("'" + where + "value_base64' is not base64");
            }
        }
        Path f = base.resolve(path.get());
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw error("'" + where + "file' " + f + " cannot be read");
        }
    }

    /**
     * The table's policy, with {@code allow_software_evidence} (a key of the table itself, next to
     * {@code require_nonce}, so that it stands out) folded in. It defaults to false: evidence without a hardware
     * root is accepted only where the operator wrote so.
     */
    private VerificationPolicy policy(JsonNode table, String where) throws ConfigException {
        boolean software = bool(table, "allow_software_evidence", where).orElse(false);
        return policyTable(table, where).toBuilder().allowSoftwareEvidence(software).build();
    }

    private VerificationPolicy policyTable(JsonNode table, String where) throws ConfigException {
        if (!table.has("policy")) {
            return VerificationPolicy.defaults();
        }
        JsonNode p = table.get("policy");
        if (!p.isObject()) {
            throw error("'" + where + "policy' must be a table");
        }
        try {
            return PolicyLoader.parse(new ObjectMapper().writeValueAsBytes(p), file + " [" + where + "policy]");
        } catch (PolicyException e) {
            throw new ConfigException(e.getMessage());
        } catch (IOException e) {
            throw error("'" + where + "policy' cannot be read");
        }
    }

    private void known(JsonNode node, Set<String> keys, String where) throws ConfigException {
        Set<String> unknown = new TreeSet<>();
        node.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                unknown.add(where + k);
            }
        });
        if (!unknown.isEmpty()) {
            throw error("unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown));
        }
    }

    private JsonNode table(JsonNode node, String key, String where) throws ConfigException {
        JsonNode v = node.get(key);
        if (!(v instanceof ObjectNode)) {
            throw error("'" + where + key + "' must be a table");
        }
        return v;
    }

    private Optional<String> text(JsonNode node, String key, String where) throws ConfigException {
        JsonNode v = node.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw error("'" + where + key + "' must be a string");
        }
        return Optional.of(v.textValue());
    }

    private Optional<Integer> integer(JsonNode node, String key, String where) throws ConfigException {
        JsonNode v = node.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isInt()) {
            throw error("'" + where + key + "' must be an integer");
        }
        return Optional.of(v.intValue());
    }

    private Optional<Boolean> bool(JsonNode node, String key, String where) throws ConfigException {
        JsonNode v = node.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (!v.isBoolean()) {
            throw error("'" + where + key + "' must be true or false");
        }
        return Optional.of(v.booleanValue());
    }

    private List<String> strings(JsonNode node, String key, String where) throws ConfigException {
        List<String> out = new ArrayList<>();
        JsonNode v = node.get(key);
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            throw error("'" + where + key + "' must be an array of strings");
        }
        for (JsonNode item : v) {
            if (!item.isTextual()) {
                throw error("'" + where + key + "' must be an array of strings");
            }
            out.add(item.textValue());
        }
        return out;
    }

    private ConfigException error(String message) {
        return new ConfigException("config file " + file + ": " + message);
    }
}
