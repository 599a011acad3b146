package dev.keep.loader.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates Keep.toml. Every problem (a syntax error, an unknown key, a wrong type, an
 * impossible value) becomes a {@link ConfigException} whose message names the file, the line and the
 * key, for example {@code Keep.toml:9: files[3].port: must be a whole number from 1 to 65535, got 70000}.
 */
public final class KeepConfigParser {
    /** Largest Keep.toml read; anything bigger is certainly not a hand-written config. */
    private static final long MAX_CONFIG_BYTES = 1 << 20;

    private static final Set<String> TOP_LEVEL_KEYS = Set.of("args", "env", "files", "attestation", "sev");
    private static final Set<String> ATTESTATION_KEYS = Set.of("url", "profile", "secrets", "guest_dir",
            "trust");
    /** Secret names become file names under secrets/, so they are kept to a portable, unambiguous alphabet. */
    private static final Pattern SECRET_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    private static final Map<String, Set<String>> FILE_KEYS_BY_KIND = Map.of(
            "stdin", Set.of("kind", "name"),
            "stdout", Set.of("kind", "name"),
            "stderr", Set.of("kind", "name"),
            "null", Set.of("kind", "name"),
            "dir", Set.of("kind", "name", "host", "guest", "readonly"),
            "listen", Set.of("kind", "name", "addr", "port"),
            "connect", Set.of("kind", "name", "addr", "port"));
    private static final List<String> KIND_NAMES =
            List.of("stdin", "stdout", "stderr", "null", "dir", "listen", "connect");

    private KeepConfigParser() {}

    /** Reads {@code file}; relative paths inside it are resolved against its folder. */
    public static KeepConfig parse(Path file) {
        String display = file.toString();
        String text;
        try {
            if (!Files.exists(file)) {
                throw new ConfigException(display + ": no such file");
            }
            if (!Files.isRegularFile(file)) {
                throw new ConfigException(display + ": not a regular file");
            }
            if (Files.size(file) > MAX_CONFIG_BYTES) {
                throw new ConfigException(display + ": larger than " + MAX_CONFIG_BYTES + " bytes, not a Keep.toml");
            }
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(display + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ConfigException(display + ": cannot read: " + e.getMessage());
        }
        Path baseDir = file.toAbsolutePath().normalize().getParent();
        return parse(text, display, baseDir, Optional.of(file));
    }

    /** Parses Keep.toml text; {@code display} names it in messages and {@code baseDir} anchors relative paths. */
    public static KeepConfig parse(String text, String display, Path baseDir) {
        return parse(text, display, baseDir, Optional.empty());
    }

    private static KeepConfig parse(String text, String display, Path baseDir, Optional<Path> source) {
        JsonNode root;
        try {
            root = new TomlMapper().readTree(text);
        } catch (JacksonException e) {
            JsonLocation where = e.getLocation();
            String at = where == null || where.getLineNr() < 1 ? "" : ":" + where.getLineNr() + ":" + where.getColumnNr();
            throw new ConfigException(display + at + ": invalid TOML: " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode()) {
            root = new TomlMapper().createObjectNode();
        }
        Checker check = new Checker(display, new TomlLineIndex(text));
        check.onlyKeys(root, "", TOP_LEVEL_KEYS);

        List<String> args = readArgs(root.get("args"), check);
        Map<String, String> env = readEnv(root.get("env"), check);
        List<FileEntry> files = root.has("files")
                ? readFiles(root.get("files"), check, baseDir)
                : FileEntry.STANDARD_STREAMS;
        Optional<AttestationConfig> attestation = root.has("attestation")
                ? Optional.of(readAttestation(root.get("attestation"), check, baseDir, files))
                : Optional.empty();
        SevConfig sev = root.has("sev") ? SevSectionReader.read(root.get("sev"), check, baseDir) : SevConfig.defaults();
        return new KeepConfig(source, args, env, files, attestation, sev);
    }

    private static List<String> readArgs(JsonNode node, Checker check) {
        if (node == null) {
            return List.of();
        }
        check.isArray(node, "args");
        List<String> args = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String arg = check.string(node.get(i), "args[" + i + "]");
            check.require(arg.indexOf('\0') < 0, "args[" + i + "]", "must not contain a NUL character");
            args.add(arg);
        }
        return args;
    }

    private static Map<String, String> readEnv(JsonNode node, Checker check) {
        Map<String, String> env = new LinkedHashMap<>();
        if (node == null) {
            return env;
        }
        check.isTable(node, "env");
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String path = "env." + e.getKey();
            check.require(EnvNames.isValid(e.getKey()), path,
                    "is not a valid environment variable name (non-empty, no '=' and no NUL)");
            String value = check.string(e.getValue(), path);
            check.require(value.indexOf('\0') < 0, path, "must not contain a NUL character");
            env.put(e.getKey(), value);
        }
        return env;
    }

    private static List<FileEntry> readFiles(JsonNode node, Checker check, Path baseDir) {
        check.isArray(node, "files");
        List<FileEntry> files = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "files[" + i + "]";
            JsonNode entry = node.get(i);
            check.isTable(entry, path);
            if (!entry.has("kind")) {
                check.fail(path, "needs a 'kind': one of " + String.join(", ", KIND_NAMES));
            }
            String kind = check.string(entry.get("kind"), path + ".kind");
            Set<String> allowed = FILE_KEYS_BY_KIND.get(kind);
            if (allowed == null) {
                check.fail(path + ".kind", "unknown kind '" + kind + "': expected one of " + String.join(", ", KIND_NAMES));
            }
            check.onlyKeys(entry, path, allowed);
            Optional<String> name = entry.has("name")
                    ? Optional.of(check.string(entry.get("name"), path + ".name"))
                    : Optional.empty();
            name.ifPresent(n -> {
                check.require(!n.isEmpty() && n.indexOf('\0') < 0 && n.indexOf(':') < 0, path + ".name",
                        "must be non-empty, without ':' or NUL");
                check.require(names.add(n), path + ".name", "'" + n + "' is already the name of another entry");
            });
            FileEntry file = switch (kind) {
                case "stdin" -> new FileEntry.Stdin(name);
                case "stdout" -> new FileEntry.Stdout(name);
                case "stderr" -> new FileEntry.Stderr(name);
                case "null" -> new FileEntry.Null(name);
                case "dir" -> readDir(entry, path, name, check, baseDir);
                case "listen" -> new FileEntry.Listen(name, check.ipAddress(entry, path), check.port(entry, path));
                case "connect" -> new FileEntry.Connect(name, check.hostName(entry, path), check.port(entry, path));
                default -> throw new IllegalStateException(kind);
            };
            checkStreamPosition(file, i, path, check);
            files.add(file);
        }
        check.require(files.size() >= 3, "files",
                "must start with the three standard streams (fd 0, 1, 2), got " + files.size() + " entries");
        return files;
    }

    /** fd 0 reads, fd 1 and 2 write; stream kinds make no sense at fd 3 and above. */
    private static void checkStreamPosition(FileEntry file, int fd, String path, Checker check) {
        boolean stream = file instanceof FileEntry.Stdin || file instanceof FileEntry.Stdout
                || file instanceof FileEntry.Stderr || file instanceof FileEntry.Null;
        switch (fd) {
            case 0 -> check.require(file instanceof FileEntry.Stdin || file instanceof FileEntry.Null, path + ".kind",
                    "fd 0 must be 'stdin' or 'null', got '" + file.kind() + "'");
            case 1, 2 -> check.require(stream && !(file instanceof FileEntry.Stdin), path + ".kind",
                    "fd " + fd + " must be 'stdout', 'stderr' or 'null', got '" + file.kind() + "'");
            default -> check.require(!stream, path + ".kind",
                    "'" + file.kind() + "' may only be fd 0, 1 or 2 (the first three entries)");
        }
    }

    private static FileEntry.Dir readDir(JsonNode entry, String path, Optional<String> name, Checker check, Path baseDir) {
        String host = check.requiredString(entry, path, "host");
        String guest = check.requiredString(entry, path, "guest");
        boolean readOnly = entry.has("readonly") && check.bool(entry.get("readonly"), path + ".readonly");
        check.require(!host.isEmpty() && host.indexOf('\0') < 0, path + ".host", "must be a non-empty path");
        Path hostDir = baseDir.resolve(host).normalize();
        check.require(Files.isDirectory(hostDir), path + ".host", "'" + host + "' is not a directory (" + hostDir + ")");
        check.require(GuestPaths.isValid(guest), path + ".guest", GuestPaths.RULE + ", got '" + guest + "'");
        return new FileEntry.Dir(name, hostDir, guest, readOnly);
    }

    private static AttestationConfig readAttestation(JsonNode node, Checker check, Path baseDir,
            List<FileEntry> files) {
        check.isTable(node, "attestation");
        check.onlyKeys(node, "attestation", ATTESTATION_KEYS);
        String url = check.requiredString(node, "attestation", "url");
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw check.error("attestation.url", "is not a URL: " + e.getReason());
        }
        check.require(("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null,
                "attestation.url", "must be an http:// or https:// URL with a host, got '" + url + "'");
        Optional<String> profile = Optional.empty();
        if (node.has("profile")) {
            String name = check.string(node.get("profile"), "attestation.profile");
            check.require(!name.isBlank() && name.chars().allMatch(c -> c > 0x20 && c < 0x7f), "attestation.profile",
                    "must be the name of an issuance profile of the service (printable, no spaces), got '" + name
                            + "'");
            profile = Optional.of(name);
        }
        List<String> secrets = readSecretNames(node, check);
        check.require(profile.isPresent() || !secrets.isEmpty(), "attestation",
                "needs 'profile' (to get a certificate) or 'secrets' (to get secrets), or both");
        String guestDir = AttestationConfig.DEFAULT_GUEST_DIR;
        if (node.has("guest_dir")) {
            guestDir = check.string(node.get("guest_dir"), "attestation.guest_dir");
            check.require(GuestPaths.isValid(guestDir) && !guestDir.equals("/"), "attestation.guest_dir",
                    GuestPaths.RULE + ", other than /, got '" + guestDir + "'");
        }
        for (int i = 0; i < files.size(); i++) {
            if (files.get(i) instanceof FileEntry.Dir dir && dir.guest().equals(guestDir)) {
                check.fail(node.has("guest_dir") ? "attestation.guest_dir" : "attestation",
                        "the attestation directory " + guestDir + " is already the guest path of files[" + i + "]");
            }
        }
        Optional<Path> trust = Optional.empty();
        if (node.has("trust")) {
            String trustText = check.string(node.get("trust"), "attestation.trust");
            Path trustFile = baseDir.resolve(trustText).normalize();
            check.require(Files.isRegularFile(trustFile), "attestation.trust",
                    "'" + trustText + "' is not a file (" + trustFile + ")");
            check.require("https".equals(uri.getScheme()), "attestation.trust",
                    "goes with an https:// url; the service at '" + url + "' is not reached over TLS");
            trust = Optional.of(trustFile);
        }
        return new AttestationConfig(uri, profile, secrets, guestDir, trust);
    }

    private static List<String> readSecretNames(JsonNode node, Checker check) {
        List<String> secrets = new ArrayList<>();
        if (!node.has("secrets")) {
            return secrets;
        }
        JsonNode list = node.get("secrets");
        check.isArray(list, "attestation.secrets");
        for (int i = 0; i < list.size(); i++) {
            String path = "attestation.secrets[" + i + "]";
            String name = check.string(list.get(i), path);
            check.require(SECRET_NAME.matcher(name).matches(), path,
                    "must be a secret name of letters, digits, '.', '_' and '-' (up to 128, not starting with '.' or"
                            + " '-'), got '" + name + "'");
            check.require(!secrets.contains(name), path, "'" + name + "' is listed twice");
            secrets.add(name);
        }
        return secrets;
    }

    /** Type and value checks that throw a located {@link ConfigException}. */
    record Checker(String display, TomlLineIndex lines) {
        ConfigException error(String path, String message) {
            int line = lines.lineOf(path);
            return new ConfigException(display + (line > 0 ? ":" + line : "") + ": " + path + ": " + message);
        }

        void fail(String path, String message) {
            throw error(path, message);
        }

        void require(boolean ok, String path, String message) {
            if (!ok) {
                fail(path, message);
            }
        }

        void onlyKeys(JsonNode table, String path, Set<String> allowed) {
            for (String key : (Iterable<String>) table::fieldNames) {
                if (!allowed.contains(key)) {
                    String keyPath = path.isEmpty() ? key : path + "." + key;
                    fail(keyPath, "unknown key; expected one of " + String.join(", ", allowed.stream().sorted().toList()));
                }
            }
        }

        void isArray(JsonNode node, String path) {
            require(node.isArray(), path, "must be an array, got " + describe(node));
        }

        void isTable(JsonNode node, String path) {
            require(node.isObject(), path, "must be a table, got " + describe(node));
        }

        String string(JsonNode node, String path) {
            require(node.isTextual(), path, "must be a string, got " + describe(node));
            return node.textValue();
        }

        boolean bool(JsonNode node, String path) {
            require(node.isBoolean(), path, "must be true or false, got " + describe(node));
            return node.booleanValue();
        }

        String requiredString(JsonNode table, String path, String key) {
            require(table.has(key), path, "needs '" + key + "'");
            return string(table.get(key), path + "." + key);
        }

        int port(JsonNode entry, String path) {
            require(entry.has("port"), path, "needs 'port'");
            JsonNode port = entry.get("port");
            String portPath = path + ".port";
            require(port.isIntegralNumber(), portPath, "must be a whole number from 1 to 65535, got " + describe(port));
            require(port.canConvertToInt() && port.intValue() >= 1 && port.intValue() <= 65535, portPath,
                    "must be a whole number from 1 to 65535, got " + port.asText());
            return port.intValue();
        }

        String ipAddress(JsonNode entry, String path) {
            String addr = requiredString(entry, path, "addr");
            require(IpLiterals.isIpLiteral(addr), path + ".addr", "must be an IPv4 or IPv6 address to listen on, got '" + addr + "'");
            return addr;
        }

        String hostName(JsonNode entry, String path) {
            String addr = requiredString(entry, path, "addr");
            require(IpLiterals.isIpLiteral(addr) || IpLiterals.isHostName(addr), path + ".addr",
                    "must be a host name or an IP address, got '" + addr + "'");
            return addr;
        }

        static String describe(JsonNode node) {
            if (node.isTextual()) {
                return "the string \"" + node.textValue() + "\"";
            }
            if (node.isObject()) {
                return "a table";
            }
            if (node.isArray()) {
                return "an array";
            }
            if (node.isBoolean()) {
                return "the boolean " + node.asText();
            }
            if (node.isNumber()) {
                return "the number " + node.asText();
            }
            return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
