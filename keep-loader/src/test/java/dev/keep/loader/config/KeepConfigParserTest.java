package dev.keep.loader.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeepConfigParserTest {
    @TempDir
    Path dir;

    private static final String STREAMS = KeepTomls.STANDARD_STREAMS;

    private KeepConfig parse(String text) throws IOException {
        return KeepConfigParser.parse(Files.writeString(dir.resolve("Keep.toml"), text));
    }

    /** Parses {@code text} expecting a failure; returns its message with the file's folder cut off. */
    private String error(String text) throws IOException {
        Path file = Files.writeString(dir.resolve("Keep.toml"), text);
        ConfigException e = assertThrows(ConfigException.class, () -> KeepConfigParser.parse(file));
        return e.getMessage().replace(dir + "/", "");
    }

    @Test
    void fullConfigIsReadIntoTheModel() throws IOException {
        Files.createDirectory(dir.resolve("data"));
        Files.writeString(dir.resolve("service-ca.pem"), "-----BEGIN CERTIFICATE-----\n");
        KeepConfig config = parse("""
                args = ["--port", "8080"]

                [env]
                RUST_LOG = "info"
                "WITH SPACE" = "ok"

                [[files]]
                kind = "stdin"
                [[files]]
                kind = "stdout"
                name = "out"
                [[files]]
                kind = "null"
                [[files]]
                kind = "dir"
                host = "data"
                guest = "/data"
                readonly = true
                [[files]]
                kind = "listen"
                name = "LISTEN"
                addr = "::1"
                port = 8080
                [[files]]
                kind = "connect"
                addr = "db.internal"
                port = 5432

                [attestation]
                url = "https://attest.example:8443/"
                profile = "web"
                secrets = ["db-password", "api.key"]
                guest_dir = "/run/keep"
                trust = "service-ca.pem"
                """);
        assertEquals(List.of("--port", "8080"), config.args());
        assertEquals(Map.of("RUST_LOG", "info", "WITH SPACE", "ok"), config.env());
        assertEquals(List.of(
                new FileEntry.Stdin(Optional.empty()),
                new FileEntry.Stdout(Optional.of("out")),
                new FileEntry.Null(Optional.empty()),
                new FileEntry.Dir(Optional.empty(), dir.resolve("data").toAbsolutePath().normalize(), "/data", true),
                new FileEntry.Listen(Optional.of("LISTEN"), "::1", 8080),
                new FileEntry.Connect(Optional.empty(), "db.internal", 5432)), config.files());
        assertEquals(URI.create("https://attest.example:8443/"), config.attestation().orElseThrow().url());
        AttestationConfig attestation = config.attestation().orElseThrow();
        assertEquals(Optional.of("web"), attestation.profile());
        assertEquals(List.of("db-password", "api.key"), attestation.secrets());
        assertEquals("/run/keep", attestation.guestDir());
        assertEquals(Optional.of(dir.resolve("service-ca.pem").toAbsolutePath().normalize()), attestation.trust());
    }

    @Test
    void attestationDefaultsToTheKeepAttestationDirectory() throws IOException {
        AttestationConfig attestation = parse("[attestation]\nurl = \"http://127.0.0.1:8443\"\nsecrets = [\"t\"]\n")
                .attestation().orElseThrow();
        assertEquals("/keep/attestation", attestation.guestDir());
        assertEquals(Optional.empty(), attestation.profile());
        assertEquals(Optional.empty(), attestation.trust());
    }

    @Test
    void attestationProblemsNameLineAndKey() throws IOException {
        String head = "[attestation]\nurl = \"https://a.example\"\n";
        assertEquals("Keep.toml:1: attestation: needs 'profile' (to get a certificate) or 'secrets' (to get secrets),"
                + " or both", error(head));
        assertEquals("Keep.toml:3: attestation.secrets[1]: must be a secret name of letters, digits, '.', '_' and '-'"
                + " (up to 128, not starting with '.' or '-'), got '../etc'",
                error(head + "secrets = [\"ok\", \"../etc\"]\n"));
        assertEquals("Keep.toml:4: attestation.secrets[1]: 'a' is listed twice",
                error(head + "profile = \"p\"\nsecrets = [\"a\", \"a\"]\n"));
        assertEquals("Keep.toml:3: attestation.secrets: must be an array, got the string \"a\"",
                error(head + "secrets = \"a\"\n"));
        assertEquals("Keep.toml:3: attestation.profile: must be a string, got the number 1", error(head + "profile = 1\n"));
        assertEquals("Keep.toml:3: attestation.profile: must be the name of an issuance profile of the service"
                + " (printable, no spaces), got 'my profile'", error(head + "profile = \"my profile\"\n"));
        assertEquals("Keep.toml:4: attestation.guest_dir: must be an absolute guest path such as /data, without '..',"
                + " '.' or empty parts, other than /, got 'keep'", error(head + "profile = \"p\"\nguest_dir = \"keep\"\n"));
        assertTrue(error(head + "profile = \"p\"\ntrust = \"none.pem\"\n")
                .startsWith("Keep.toml:4: attestation.trust: 'none.pem' is not a file"));
        Files.writeString(dir.resolve("ca.pem"), "x");
        assertEquals("Keep.toml:4: attestation.trust: goes with an https:// url; the service at 'http://a.example' is"
                + " not reached over TLS",
                error("[attestation]\nurl = \"http://a.example\"\nprofile = \"p\"\ntrust = \"ca.pem\"\n"));
        assertEquals("Keep.toml:14: attestation.guest_dir: the attestation directory /d is already the guest path of"
                + " files[3]", error(STREAMS + "[[files]]\nkind = \"dir\"\nhost = \".\"\nguest = \"/d\"\n"
                        + head + "profile = \"p\"\nguest_dir = \"/d\"\n"));
    }

    @Test
    void emptyFileGivesTheDefaults() throws IOException {
        KeepConfig config = parse("# nothing\n");
        assertEquals(FileEntry.STANDARD_STREAMS, config.files());
        assertTrue(config.args().isEmpty() && config.env().isEmpty() && config.attestation().isEmpty());
    }

    @Test
    void syntaxErrorsNameLineAndColumn() throws IOException {
        assertTrue(error("args = [\"a\",\n\nenv = 3 3\n").matches("Keep\\.toml:\\d+:\\d+: invalid TOML: .+"));
        // Jackson reports a duplicate key where it noticed it, at the end of the document here.
        assertTrue(error("a = 1\na = 2\n").matches("Keep\\.toml:\\d+:\\d+: invalid TOML: Duplicate key"));
    }

    @Test
    void unknownKeysAreRejectedWithTheirLine() throws IOException {
        assertEquals("Keep.toml:2: argz: unknown key; expected one of args, attestation, env, files, sev",
                error("args = []\nargz = []\n"));
        assertEquals("Keep.toml:5: files[0].readonly: unknown key; expected one of kind, name",
                error("# comment\n\n[[files]]\nkind = \"stdin\"\nreadonly = true\n"));
        assertEquals("Keep.toml:3: attestation.uri: unknown key; expected one of guest_dir, profile, secrets,"
                + " trust, url",
                error("[attestation]\nurl = \"https://a.example\"\nuri = \"x\"\n"));
    }

    @Test
    void wrongTypesAreRejected() throws IOException {
        assertEquals("Keep.toml:1: args: must be an array, got the string \"-v\"", error("args = \"-v\"\n"));
        assertEquals("Keep.toml:1: args[1]: must be a string, got the number 2", error("args = [\"a\", 2]\n"));
        assertEquals("Keep.toml:2: env.DEBUG: must be a string, got the boolean true", error("[env]\nDEBUG = true\n"));
        assertEquals("Keep.toml:1: env: must be a table, got an array", error("env = [\"A=b\"]\n"));
        assertEquals("Keep.toml:1: files: must be an array, got a table", error("[files]\nkind = \"stdin\"\n"));
        assertEquals("Keep.toml:11: files[3].readonly: must be true or false, got the string \"yes\"",
                error(STREAMS + "[[files]]\nkind = \"dir\"\nhost = \".\"\nguest = \"/d\"\nreadonly = \"yes\"\n"));
        assertEquals("Keep.toml:10: files[3].port: must be a whole number from 1 to 65535, got the string \"80\"",
                error(STREAMS + "[[files]]\nkind = \"listen\"\naddr = \"127.0.0.1\"\nport = \"80\"\n"));
    }

    @Test
    void impossibleValuesAreRejected() throws IOException {
        assertEquals("Keep.toml:10: files[3].port: must be a whole number from 1 to 65535, got 65536",
                error(STREAMS + "[[files]]\nkind = \"listen\"\naddr = \"127.0.0.1\"\nport = 65536\n"));
        assertEquals("Keep.toml:9: files[3].addr: must be an IPv4 or IPv6 address to listen on, got '300.1.1.1'",
                error(STREAMS + "[[files]]\nkind = \"listen\"\naddr = \"300.1.1.1\"\nport = 1\n"));
        assertEquals("Keep.toml:9: files[3].addr: must be a host name or an IP address, got 'bad host'",
                error(STREAMS + "[[files]]\nkind = \"connect\"\naddr = \"bad host\"\nport = 1\n"));
        assertEquals("Keep.toml:8: files[3].kind: unknown kind 'pipe': expected one of stdin, stdout, stderr, null, dir, listen, connect",
                error(STREAMS + "[[files]]\nkind = \"pipe\"\n"));
        assertEquals("Keep.toml:7: files[3]: needs a 'kind': one of stdin, stdout, stderr, null, dir, listen, connect",
                error(STREAMS + "[[files]]\nname = \"x\"\n"));
        assertTrue(error(STREAMS + "[[files]]\nkind = \"dir\"\nhost = \"missing\"\nguest = \"/d\"\n")
                .startsWith("Keep.toml:9: files[3].host: 'missing' is not a directory"));
        assertEquals("Keep.toml:10: files[3].guest: must be an absolute guest path such as /data, without '..', '.' or empty parts, got '/a/../b'",
                error(STREAMS + "[[files]]\nkind = \"dir\"\nhost = \".\"\nguest = \"/a/../b\"\n"));
        assertEquals("Keep.toml:2: env.A=B: is not a valid environment variable name (non-empty, no '=' and no NUL)",
                error("[env]\n\"A=B\" = \"c\"\n"));
        assertEquals("Keep.toml:2: attestation.url: must be an http:// or https:// URL with a host, got 'ftp://x'",
                error("[attestation]\nurl = \"ftp://x\"\n"));
        assertEquals("Keep.toml:1: attestation: needs 'url'", error("[attestation]\n"));
    }

    @Test
    void standardStreamsMustComeFirstAndOnlyThere() throws IOException {
        assertEquals("Keep.toml:2: files[0].kind: fd 0 must be 'stdin' or 'null', got 'stdout'",
                error("[[files]]\nkind = \"stdout\"\n"));
        assertEquals("Keep.toml:4: files[1].kind: fd 1 must be 'stdout', 'stderr' or 'null', got 'stdin'",
                error("[[files]]\nkind = \"stdin\"\n[[files]]\nkind = \"stdin\"\n"));
        assertEquals("Keep.toml:8: files[3].kind: 'stdout' may only be fd 0, 1 or 2 (the first three entries)",
                error(STREAMS + "[[files]]\nkind = \"stdout\"\n"));
        assertEquals("Keep.toml:1: files: must start with the three standard streams (fd 0, 1, 2), got 1 entries",
                error("[[files]]\nkind = \"stdin\"\n"));
        assertEquals("Keep.toml:6: files[1].name: 'x' is already the name of another entry",
                error("[[files]]\nkind = \"stdin\"\nname = \"x\"\n[[files]]\nkind = \"stdout\"\nname = \"x\"\n"));
    }

    @Test
    void inlineTablesAreLocatedAtTheirKey() throws IOException {
        assertEquals("Keep.toml:2: files[1].kind: fd 1 must be 'stdout', 'stderr' or 'null', got 'dir'",
                error("# files as an inline array\nfiles = [ { kind = \"stdin\" }, { kind = \"dir\", host = \".\", guest = \"/d\" } ]\n"));
    }

    @Test
    void fileProblemsAreReported() throws IOException {
        ConfigException missing = assertThrows(ConfigException.class, () -> KeepConfigParser.parse(dir.resolve("none.toml")));
        assertTrue(missing.getMessage().endsWith("none.toml: no such file"));
        ConfigException folder = assertThrows(ConfigException.class, () -> KeepConfigParser.parse(dir));
        assertTrue(folder.getMessage().endsWith(": not a regular file"));
        Path binary = Files.write(dir.resolve("bin.toml"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x00});
        assertTrue(assertThrows(ConfigException.class, () -> KeepConfigParser.parse(binary)).getMessage().endsWith("not UTF-8 text"));
    }
}
