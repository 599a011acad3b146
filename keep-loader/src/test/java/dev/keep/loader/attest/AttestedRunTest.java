package dev.keep.loader.attest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.protocol.AttestationExtensions;
import dev.keep.attestation.protocol.Pem;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.service.AttestationServer;
import dev.keep.attestation.service.ServiceConfigLoader;
import dev.keep.loader.KeepException;
import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.cli.CliRun;
import dev.keep.loader.config.KeepConfigParser;
import dev.keep.loader.nil.NilBackend;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.run.RunRequest;
import dev.keep.loader.run.RunResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code keep run} with Keep.toml's {@code [attestation]} on the nil backend, against the real attestation service
 * started in this JVM on loopback: the app reads its certificate, key and secrets from /keep/attestation; a service
 * whose policy does not allow software evidence, an unreachable service, a service that answers nonsense and a bad
 * Keep.toml all stop the run before the app starts, with one line and exit status 1.
 */
class AttestedRunTest {
    private static final String SECRET = "s3cret value";

    @TempDir
    static Path shared;
    private static AttestationServer server;
    private static Path showCert;
    private static Path showSecret;
    private static Path showKeyAndCert;
    private static Path writer;
    private static Path unlisted;

    @TempDir
    Path work;

    @BeforeAll
    static void startService() throws Exception {
        showCert = CatApp.build(shared, "show-cert", List.of("cert.pem"));
        showSecret = CatApp.build(shared, "show-secret", List.of("secrets/token"));
        showKeyAndCert = CatApp.build(shared, "show-key-and-cert", List.of("key.pem", "cert.pem"));
        writer = CatApp.creator(shared, "writer", "planted.txt");
        unlisted = CatApp.build(shared, "unlisted", List.of("cert.pem"));
        List<String> allowed = new ArrayList<>();
        for (Path app : List.of(showCert, showSecret, showKeyAndCert, writer)) {
            allowed.add("\"" + measurement(app) + "\"");
        }
        Path toml = shared.resolve("service.toml");
        Files.writeString(toml, """
                listen = "127.0.0.1:0"
                audit_log = "audit.jsonl"
                [ca]
                ephemeral = true

                # Development: the nil backend's software evidence is accepted for these apps.
                [profiles.dev]
                allow_software_evidence = true
                [profiles.dev.policy]
                allowedMeasurements = [%1$s]

                # The same apps, but without allow_software_evidence: hardware evidence only.
                [profiles.strict]
                [profiles.strict.policy]
                allowedMeasurements = [%1$s]

                [secrets.token]
                value = "%2$s"
                allow_software_evidence = true
                [secrets.token.policy]
                allowedMeasurements = [%1$s]
                """.formatted(String.join(", ", allowed), SECRET));
        server = AttestationServer.start(ServiceConfigLoader.load(toml), ArkPins.amd(), Clock.systemUTC());
    }

    @AfterAll
    static void stopService() {
        server.close();
    }

    /** What the nil backend measures for {@code app} run with no arguments: the file name is argv[0]. */
    private static String measurement(Path app) throws Exception {
        return Hex.encode(DocumentedNilMeasurement.of(Files.readAllBytes(app),
                List.of(app.getFileName().toString()), Map.of()));
    }

    private Path keepToml(String attestation) throws Exception {
        return Files.writeString(work.resolve("Keep.toml"), "[attestation]\n" + attestation);
    }

    private static String url() {
        return "url = \"" + server.uri() + "\"\n";
    }

    private static CliRun.Result run(Path toml, Path app) {
        return CliRun.keep("run", "--backend", "nil", "--config", toml.toString(), app.toString());
    }

    private static void assertStoppedBeforeTheApp(CliRun.Result r, String reasonPart) {
        assertEquals(1, r.exit(), r.err());
        assertEquals("", r.out(), "the app must not have run");
        assertFalse(r.hasStackTrace(), r.err());
        String line = r.err().strip();
        assertFalse(line.contains("\n"), "one line expected: " + r.err());
        assertTrue(line.startsWith("keep: "), line);
        assertTrue(line.contains(reasonPart), line);
    }

    @Test
    void theAppReadsACertificateForItsAttestedKey() throws Exception {
        CliRun.Result r = run(keepToml(url() + "profile = \"dev\"\n"), showCert);
        assertEquals(0, r.exit(), r.err());
        List<X509CertificateHolder> chain = Pem.certificates(r.out().getBytes(StandardCharsets.US_ASCII), "stdout");
        assertEquals(2, chain.size(), r.out());
        X509CertificateHolder leaf = chain.getFirst();
        X509CertificateHolder ca = server.service().ca().certificate();
        assertEquals(ca, chain.get(1));
        assertTrue(leaf.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca)));
        assertEquals(Optional.of("nil"), AttestationExtensions.softwareBackend(leaf));
        assertEquals("CN=show-cert.wasm", leaf.getSubject().toString());
        JsonNode audit = lastAudit();
        assertEquals("issued", audit.path("decision").asText());
        assertEquals(measurement(showCert), audit.path("measurement").asText());
        assertFalse(audit.path("hardwareRoot").asBoolean(true));
    }

    @Test
    void theKeyFileHoldsTheCertifiedKey() throws Exception {
        CliRun.Result r = run(keepToml(url() + "profile = \"dev\"\n"), showKeyAndCert);
        assertEquals(0, r.exit(), r.err());
        int split = r.out().indexOf("-----BEGIN CERTIFICATE-----");
        assertTrue(split > 0, r.out());
        KeyPair key = Pem.keyPair(r.out().substring(0, split).getBytes(StandardCharsets.US_ASCII), "key.pem");
        X509CertificateHolder leaf = Pem.certificates(r.out().substring(split).getBytes(StandardCharsets.US_ASCII),
                "cert.pem").getFirst();
        assertEquals(SubjectPublicKeyInfo.getInstance(key.getPublic().getEncoded()), leaf.getSubjectPublicKeyInfo());
    }

    @Test
    void theAppReadsItsSecret() throws Exception {
        CliRun.Result r = run(keepToml(url() + "secrets = [\"token\"]\n"), showSecret);
        assertEquals(0, r.exit(), r.err());
        assertEquals(SECRET, r.out());
        assertEquals("released", lastAudit().path("decision").asText());
    }

    @Test
    void aJailedRunGetsItsSecretThroughADirectoryDescriptor() throws Exception {
        CliRun.Result r = CliRun.keep("run", "--jail", "--config",
                keepToml(url() + "secrets = [\"token\"]\n").toString(), showSecret.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(SECRET, r.out());
        assertEquals("released", lastAudit().path("decision").asText());
        assertEquals(measurement(showSecret), lastAudit().path("measurement").asText());
    }

    @Test
    void theAttestationDirectoryIsReadOnly() throws Exception {
        CliRun.Result r = run(keepToml(url() + "profile = \"dev\"\n"), writer);
        assertEquals(100 + 69, r.exit(), "path_open(creat) must fail with EROFS (69): " + r.err());
    }

    @Test
    void refusedWhereThePolicyDoesNotAllowSoftwareEvidence() throws Exception {
        CliRun.Result r = run(keepToml(url() + "profile = \"strict\"\n"), showCert);
        assertStoppedBeforeTheApp(r, "attestation failed, the app was not started: certificate (profile 'strict')");
        assertTrue(r.err().contains("evidence.hardwareRoot") && r.err().contains("no hardware root"), r.err());
        JsonNode audit = lastAudit();
        assertEquals("refused", audit.path("decision").asText());
        assertEquals("software", audit.path("evidence").asText());
    }

    @Test
    void refusedForAMeasurementNotOnTheAllowList() throws Exception {
        CliRun.Result r = run(keepToml(url() + "profile = \"dev\"\n"), unlisted);
        assertStoppedBeforeTheApp(r, "policy.measurement: MEASUREMENT " + measurement(unlisted));
    }

    @Test
    void anUnknownSecretStopsTheRun() throws Exception {
        CliRun.Result r = run(keepToml(url() + "profile = \"dev\"\nsecrets = [\"token\", \"nope\"]\n"), showCert);
        assertStoppedBeforeTheApp(r, "secret 'nope': attestation service answered HTTP 404: no secret named 'nope'");
    }

    @Test
    void anUnreachableServiceStopsTheRun() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        CliRun.Result r = run(keepToml("url = \"http://127.0.0.1:" + closedPort + "\"\nprofile = \"dev\"\n"),
                showCert);
        assertStoppedBeforeTheApp(r, "certificate (profile 'dev'): cannot reach the attestation service at "
                + "http://127.0.0.1:" + closedPort + ": connection refused");
    }

    @Test
    void aServiceThatAnswersNonsenseStopsTheRun() throws Exception {
        HttpServer nonsense = HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                0);
        nonsense.createContext("/", exchange -> {
            byte[] body = "<html>not the attestation service</html>".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        nonsense.start();
        try {
            CliRun.Result r = run(keepToml("url = \"http://127.0.0.1:" + nonsense.getAddress().getPort()
                    + "\"\nprofile = \"dev\"\n"), showCert);
            assertStoppedBeforeTheApp(r, "attestation service answered HTTP 200: unexpected answer");
        } finally {
            nonsense.stop(0);
        }
    }

    @Test
    void aBadAttestationSectionNamesFileLineAndKey() throws Exception {
        Path toml = keepToml(url() + "profile = \"dev\"\nsecrets = [\"token\", \"../../etc/passwd\"]\n");
        CliRun.Result r = run(toml, showCert);
        assertStoppedBeforeTheApp(r, toml + ":4: attestation.secrets[1]: must be a secret name");
        CliRun.Result unknown = run(keepToml(url() + "profile = \"dev\"\nguest-dir = \"/x\"\n"), showCert);
        assertStoppedBeforeTheApp(unknown, ":4: attestation.guest-dir: unknown key");
    }

    @Test
    void theJavaApiPresentsTheDirectoryAndDeletesItAfterTheRun() throws Exception {
        List<String> verbose = new ArrayList<>();
        KeepRunner runner = new KeepRunner(new BackendSelector(List.of(new NilBackend(verbose::add))), verbose::add);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        HostStreams streams = new HostStreams(new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream(),
                false);
        RunRequest request = RunRequest.of(showSecret, "nil", streams).withConfig(KeepConfigParser.parse(
                keepToml(url() + "profile = \"dev\"\nsecrets = [\"token\"]\nguest_dir = \"/keep/attestation\"\n")));
        assertEquals(new RunResult.Exited(0), runner.run(request));
        assertEquals(SECRET, out.toString(StandardCharsets.UTF_8));
        assertTrue(verbose.stream().anyMatch(l -> l.contains("NO hardware root")), verbose::toString);
        String presented = verbose.stream().filter(l -> l.contains("host copy ")).findFirst().orElseThrow();
        Path host = Path.of(presented.replaceAll(".*host copy (.*), deleted after the run\\)$", "$1"));
        assertTrue(host.getFileName().toString().startsWith("keep-attestation-"), presented);
        assertFalse(Files.exists(host), "the host copy must be gone after the run: " + host);

        // Refused: a KeepException before the app runs, and nothing is left on disk either.
        RunRequest strict = request.withConfig(KeepConfigParser.parse(keepToml(url() + "profile = \"strict\"\n")));
        KeepException e = org.junit.jupiter.api.Assertions.assertThrows(KeepException.class, () -> runner.run(strict));
        assertTrue(e.getMessage().contains("evidence.hardwareRoot"), e.getMessage());
        assertEquals(SECRET, out.toString(StandardCharsets.UTF_8), "the refused app must not have written");
    }

    private static JsonNode lastAudit() throws Exception {
        List<String> lines = Files.readAllLines(shared.resolve("audit.jsonl"));
        return new ObjectMapper().readTree(lines.getLast());
    }
}
