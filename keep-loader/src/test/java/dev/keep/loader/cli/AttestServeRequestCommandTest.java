package dev.keep.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.protocol.Pem;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.service.AttestationServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code keep attest serve} and {@code keep attest request} end to end over loopback HTTP, with the real AMD roots
 * and real report #1 of ../shared/testdata/snp (whose fixed REPORT_DATA binds no key of ours, so issuance is refused;
 * successful issuance and release are covered over HTTP by the attestation module's tests with a test hierarchy).
 */
class AttestServeRequestCommandTest {
    private static final Path SNP = Path.of(System.getProperty("keep.projectRoot"))
            .resolve("../shared/testdata/snp/virtee-sev/tests/certs_data").normalize();
    private static final String MEASUREMENT =
            "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f";

    @TempDir
    Path dir;
    private CompletableFuture<AttestationServer> started;
    private CompletableFuture<Integer> serveExit;
    private StringWriter serveOut;
    private Path keyFile;

    @BeforeEach
    void serve() throws Exception {
        Files.writeString(dir.resolve("service.toml"), """
                listen = "127.0.0.1:0"
                [ca]
                ephemeral = true
                [profiles.web.policy]
                allowedMeasurements = ["%1$s"]
                [secrets.token]
                value = "s3cret"
                [secrets.token.policy]
                allowedMeasurements = ["%1$s"]
                """.formatted(MEASUREMENT));
        started = new CompletableFuture<>();
        serveOut = new StringWriter();
        CommandLine cmd = new CommandLine(new AttestServeCommand(started::complete));
        cmd.setOut(new PrintWriter(serveOut));
        cmd.setErr(new PrintWriter(new StringWriter()));
        serveExit = CompletableFuture.supplyAsync(() -> cmd.execute("--config", dir.resolve("service.toml")
                .toString()));
        started.get(30, TimeUnit.SECONDS);
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        KeyPair key = g.generateKeyPair();
        keyFile = dir.resolve("key.pem");
        Files.writeString(keyFile, Pem.privateKey(key.getPrivate()));
    }

    @AfterEach
    void stop() throws Exception {
        started.get().close();
        assertEquals(AttestServeCommand.STOPPED, serveExit.get(30, TimeUnit.SECONDS));
    }

    private String url() throws Exception {
        return started.get().uri().toString();
    }

    private String[] evidence(String... more) {
        String[] base = {"--report", SNP.resolve("report_milan.hex").toString(), "--vcek",
            SNP.resolve("vcek_milan.der").toString(), "--chain", SNP.resolve("cert_chain_milan").toString()};
        String[] all = new String[base.length + more.length];
        System.arraycopy(more, 0, all, 0, more.length);
        System.arraycopy(base, 0, all, more.length, base.length);
        return all;
    }

    private static String[] cat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    @Test
    void serveAnnouncesItsAddressAndRequestVerifyPasses() throws Exception {
        assertTrue(serveOut.toString().contains("listening on " + url()), serveOut.toString());
        CliRun.Result r = CliRun.keep(cat(new String[] {"attest", "request", "--url", url(), "--verify"},
                evidence()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(new ObjectMapper().readTree(r.out()).path("verified").asBoolean(), r.out());
    }

    /** Runs --show-report-data against the service and saves its JSON, as a guest would before making a report. */
    private Path savedChallenge(String name) throws Exception {
        CliRun.Result r = CliRun.keep("attest", "request", "--show-report-data", "--url", url(), "--key",
                keyFile.toString());
        assertEquals(0, r.exit(), r.err());
        Path file = dir.resolve(name);
        Files.writeString(file, r.out());
        return file;
    }

    private CliRun.Result request(String... modeAndMore) throws Exception {
        return CliRun.keep(cat(cat(new String[] {"attest", "request", "--url", url(), "--key", keyFile.toString()},
                modeAndMore), evidence()));
    }

    private static void assertRefusedOneLine(String reasonPart, CliRun.Result r) {
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("HTTP 403") && r.err().contains(reasonPart), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.hasStackTrace());
        assertEquals("", r.out());
    }

    @Test
    void certificateAndSecretAreRefusedForAReportThatDoesNotBindTheKey() throws Exception {
        for (String[] mode : new String[][] {{"--certificate", "web"}, {"--secret", "token"}}) {
            Path challenge = savedChallenge("challenge-" + mode[1] + ".json");
            assertRefusedOneLine("policy.reportData", request(cat(mode, "--challenge", challenge.toString())));
            assertRefusedOneLine("nonce already used", request(cat(mode, "--challenge", challenge.toString())));
            assertRefusedOneLine("nonce: missing", request(mode));
        }
        assertFalse(Files.readString(dir.resolve("audit.jsonl")).contains("\"issued\""));
        assertFalse(Files.readString(dir.resolve("audit.jsonl")).contains("\"released\""));
    }

    @Test
    void showReportDataPrintsTheKeyBinding() throws Exception {
        CliRun.Result r = CliRun.keep("attest", "request", "--show-report-data", "--key", keyFile.toString());
        assertEquals(0, r.exit(), r.err());
        KeyPair pair = Pem.keyPair(Files.readAllBytes(keyFile), "key");
        assertEquals(Hex.encode(KeyBinding.SHA512.reportData(pair.getPublic().getEncoded())), r.out().strip());
    }

    @Test
    void showReportDataWithAUrlFetchesAChallengeAndBindsIt() throws Exception {
        for (String binding : new String[] {"sha512", "sha384"}) {
            CliRun.Result r = CliRun.keep("attest", "request", "--show-report-data", "--url", url(), "--key",
                    keyFile.toString(), "--binding", binding);
            assertEquals(0, r.exit(), r.err());
            JsonNode json = new ObjectMapper().readTree(r.out());
            byte[] nonce = Base64.getDecoder().decode(json.path("nonce").asText());
            assertEquals(32, nonce.length);
            assertTrue(Instant.parse(json.path("expires").asText()).isAfter(Instant.now()), r.out());
            assertEquals(binding, json.path("binding").asText());
            KeyBinding kb = KeyBinding.fromWireName(binding).orElseThrow();
            KeyPair pair = Pem.keyPair(Files.readAllBytes(keyFile), "key");
            assertEquals(Hex.encode(kb.reportData(nonce, pair.getPublic().getEncoded())),
                    json.path("reportData").asText());
        }
        Path saved = dir.resolve("sha384.json");
        Files.writeString(saved, CliRun.keep("attest", "request", "--show-report-data", "--url", url(), "--key",
                keyFile.toString(), "--binding", "sha384").out());
        CliRun.Result clash = request("--certificate", "web", "--challenge", saved.toString(), "--binding", "sha512");
        assertEquals(2, clash.exit(), clash.err());
        assertTrue(clash.err().contains("differs from the sha384 binding"), clash.err());
        Path junk = dir.resolve("junk.json");
        Files.writeString(junk, "{\"nonce\": \"AAAA\"}");
        CliRun.Result bad = request("--certificate", "web", "--challenge", junk.toString());
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("not a 32-byte nonce"), bad.err());
        assertFalse(bad.hasStackTrace());
    }

    @Test
    void usageErrorsAndUnreachableServiceAreOneLine() throws Exception {
        CliRun.Result noMode = CliRun.keep("attest", "request", "--url", url(), "--report", "x");
        assertEquals(2, noMode.exit());
        assertTrue(noMode.err().contains("exactly one of"), noMode.err());
        CliRun.Result noFile = CliRun.keep(cat(new String[] {"attest", "request", "--url", url(), "--verify",
            "--report", dir.resolve("missing.bin").toString()}));
        assertEquals(2, noFile.exit());
        assertTrue(noFile.err().contains("no such file"), noFile.err());
        CliRun.Result badUrl = CliRun.keep(cat(new String[] {"attest", "request", "--url", "ftp://x", "--verify"},
                evidence()));
        assertEquals(2, badUrl.exit());
        CliRun.Result down = CliRun.keep(cat(new String[] {"attest", "request", "--url", "http://127.0.0.1:1",
            "--verify"}, evidence()));
        assertEquals(1, down.exit());
        assertTrue(down.err().startsWith("keep attest request: cannot reach"), down.err());
        for (CliRun.Result r : new CliRun.Result[] {noMode, noFile, badUrl, down}) {
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(r.hasStackTrace());
        }
    }

    @Test
    void serveWithABadConfigIsAUsageError() throws Exception {
        CliRun.Result missing = CliRun.keep("attest", "serve", "--config", dir.resolve("nope.toml").toString());
        assertEquals(2, missing.exit());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Files.writeString(dir.resolve("bad.toml"), "listen = \"127.0.0.1:0\"\n[ca]\nephemeral = true\n[secrets.s]\n"
                + "value = \"x\"\n");
        CliRun.Result bad = CliRun.keep("attest", "serve", "--config", dir.resolve("bad.toml").toString());
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("must list the measurements"), bad.err());
        assertFalse(bad.hasStackTrace());
    }
}
