package dev.keep.attestation.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.client.AttestationException;
import dev.keep.attestation.client.Csrs;
import dev.keep.attestation.client.IssuedCertificate;
import dev.keep.attestation.protocol.AttestationExtensions;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.protocol.SoftwareEvidence;
import dev.keep.attestation.report.Hex;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Software evidence (no hardware root, from the nil or kvm backend) over real HTTP: refused by every profile, secret
 * and verify policy unless it says {@code allow_software_evidence = true}; where allowed, the measurement allow-list
 * and the nonce-and-key binding still apply, the certificate marks the missing root, and the audit log records it.
 */
class SoftwareEvidenceTest {
    private static final String MEASUREMENT = "5a".repeat(48);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static AttestationServer server;
    private static AttestationClient client;

    @BeforeAll
    static void start() throws Exception {
        server = ServiceFixture.start(dir, """
                listen = "127.0.0.1:0"
                audit_log = "audit.jsonl"
                [ca]
                ephemeral = true

                [profiles.dev]
                allow_software_evidence = true
                [profiles.dev.policy]
                allowedMeasurements = ["%1$s"]

                [profiles.dev-any]
                allow_software_evidence = true

                [profiles.strict]
                [profiles.strict.policy]
                allowedMeasurements = ["%1$s"]

                [profiles.dev-other-app]
                allow_software_evidence = true
                [profiles.dev-other-app.policy]
                allowedMeasurements = ["%2$s"]

                [profiles.dev-tcb]
                allow_software_evidence = true
                [profiles.dev-tcb.policy]
                minimumTcb = { bootloader = 3, tee = 0, snp = 8, microcode = 115 }

                [secrets.dev-token]
                value = "dev only"
                allow_software_evidence = true
                [secrets.dev-token.policy]
                allowedMeasurements = ["%1$s"]

                [secrets.prod-token]
                value = "production"
                [secrets.prod-token.policy]
                allowedMeasurements = ["%1$s"]
                """.formatted(MEASUREMENT, ServiceFixture.OTHER_MEASUREMENT), ArkPins.amd(), Clock.systemUTC());
        client = AttestationClient.create(server.uri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static KeyPair key() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        return g.generateKeyPair();
    }

    /** A fresh nonce, and nil evidence claiming {@code measurement} that binds it with {@code key}. */
    private record Bound(SoftwareEvidence evidence, byte[] nonce) {
        static Bound fresh(KeyPair key, String measurement) throws Exception {
            byte[] nonce = client.challenge().nonce();
            return new Bound(new SoftwareEvidence("nil", Hex.decode("m", measurement),
                    KeyBinding.SHA512.reportData(nonce, key.getPublic().getEncoded())), nonce);
        }
    }

    private static IssuedCertificate certificate(String profile, KeyPair key, Bound bound) throws Exception {
        return client.requestCertificate(bound.evidence(), profile, Csrs.create(key, "CN=dev-app"),
                KeyBinding.SHA512, Optional.of(bound.nonce()));
    }

    @Test
    void issuedWhereTheProfileAllowsSoftwareEvidenceAndTheCertificateSaysSo() throws Exception {
        KeyPair key = key();
        IssuedCertificate issued = certificate("dev", key, Bound.fresh(key, MEASUREMENT));
        assertEquals(SubjectPublicKeyInfo.getInstance(key.getPublic().getEncoded()),
                issued.leaf().getSubjectPublicKeyInfo());
        assertEquals(Optional.of("nil"), AttestationExtensions.softwareBackend(issued.leaf()));
        // No SNP claims (TCB, product, guest policy) are made up for software evidence.
        assertTrue(AttestationExtensions.decode(issued.leaf()).isEmpty());
        assertArrayEquals(Hex.decode("m", MEASUREMENT), org.bouncycastle.asn1.ASN1OctetString.getInstance(
                issued.leaf().getExtension(AttestationExtensions.MEASUREMENT).getParsedValue()).getOctets());
        JsonNode line = lastAudit("certificate");
        assertEquals("issued", line.path("decision").asText());
        assertEquals("software", line.path("evidence").asText());
        assertFalse(line.path("hardwareRoot").asBoolean(true));
        assertEquals("nil", line.path("backend").asText());
        assertEquals(MEASUREMENT, line.path("measurement").asText());
    }

    @Test
    void refusedByDefaultForProfilesAndSecrets() throws Exception {
        KeyPair key = key();
        AttestationException e = assertThrows(AttestationException.class,
                () -> certificate("strict", key, Bound.fresh(key, MEASUREMENT)));
        assertTrue(e.refused(), e.getMessage());
        assertEquals(List.of("evidence.hardwareRoot"), failedChecks(e));
        assertTrue(e.getMessage().contains("no hardware root"), e.getMessage());
        JsonNode line = lastAudit("certificate");
        assertEquals("refused", line.path("decision").asText());
        assertEquals("software", line.path("evidence").asText());
        assertFalse(line.path("hardwareRoot").asBoolean(true));

        Bound bound = Bound.fresh(key, MEASUREMENT);
        AttestationException s = assertThrows(AttestationException.class, () -> client.requestSecret(
                bound.evidence(), "prod-token", key, KeyBinding.SHA512, Optional.of(bound.nonce())));
        assertTrue(s.refused(), s.getMessage());
        assertEquals(List.of("evidence.hardwareRoot"), failedChecks(s));
        assertEquals("refused", lastAudit("secret").path("decision").asText());
    }

    @Test
    void secretReleasedWhereAllowed() throws Exception {
        KeyPair key = key();
        Bound bound = Bound.fresh(key, MEASUREMENT);
        byte[] secret = client.requestSecret(bound.evidence(), "dev-token", key, KeyBinding.SHA512,
                Optional.of(bound.nonce()));
        assertEquals("dev only", new String(secret, StandardCharsets.UTF_8));
        JsonNode line = lastAudit("secret");
        assertEquals("released", line.path("decision").asText());
        assertFalse(line.path("hardwareRoot").asBoolean(true));
    }

    @Test
    void theMeasurementAllowListStillApplies() throws Exception {
        KeyPair key = key();
        AttestationException e = assertThrows(AttestationException.class,
                () -> certificate("dev-other-app", key, Bound.fresh(key, MEASUREMENT)));
        assertEquals(List.of("policy.measurement"), failedChecks(e));
    }

    @Test
    void policyItemsOnlyHardwareCanShowFail() throws Exception {
        KeyPair key = key();
        AttestationException e = assertThrows(AttestationException.class,
                () -> certificate("dev-tcb", key, Bound.fresh(key, MEASUREMENT)));
        assertEquals(List.of("policy.minimumTcb"), failedChecks(e));
    }

    @Test
    void reportDataMustBindTheNonceAndTheKey() throws Exception {
        KeyPair key = key();
        Bound forOtherKey = Bound.fresh(key(), MEASUREMENT);
        AttestationException e = assertThrows(AttestationException.class, () -> certificate("dev-any", key,
                forOtherKey));
        assertEquals(List.of("policy.reportData"), failedChecks(e));
        // A nonce is spent once, for software evidence too.
        Bound once = Bound.fresh(key, MEASUREMENT);
        certificate("dev-any", key, once);
        AttestationException replay = assertThrows(AttestationException.class, () -> certificate("dev-any", key,
                once));
        assertTrue(replay.getMessage().contains("nonce"), replay.getMessage());
    }

    @Test
    void verdictJsonSaysThereIsNoHardwareRoot() throws Exception {
        SoftwareEvidence evidence = new SoftwareEvidence("kvm", Hex.decode("m", MEASUREMENT), new byte[64]);
        JsonNode verdict = client.verify(evidence, Optional.empty(), Optional.empty());
        assertFalse(verdict.path("verified").asBoolean(true));
        assertEquals("software", verdict.path("evidence").asText());
        assertFalse(verdict.path("hardwareRoot").asBoolean(true));
        assertEquals("kvm", verdict.path("backend").asText());
        assertTrue(verdict.path("warning").asText().contains("NO hardware root"));
        assertEquals(MEASUREMENT, verdict.path("measurement").asText());

        JsonNode allowed = client.verify(evidence, Optional.of("dev"), Optional.empty());
        assertTrue(allowed.path("verified").asBoolean(false), allowed::toString);
        assertFalse(allowed.path("hardwareRoot").asBoolean(true));
    }

    @Test
    void malformedSoftwareEvidenceIsABadRequest() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String good = "\"backend\":\"nil\",\"measurement\":\"" + MEASUREMENT + "\",\"reportData\":\"" + "00".repeat(64)
                + "\"";
        String[][] cases = {
            {"{\"evidence\":{\"software\":{" + good.replace("\"nil\"", "\"sev\"") + "}}}", "'nil' or 'kvm'"},
            {"{\"evidence\":{\"software\":{" + good.replace(MEASUREMENT, "abcd") + "}}}", "48 bytes"},
            {"{\"evidence\":{\"software\":{" + good.replace("\"00", "\"zz") + "}}}", "not hex"},
            {"{\"evidence\":{\"report\":\"AA==\",\"software\":{" + good + "}}}", "unknown field 'report'"},
            {"{\"evidence\":{\"software\":{" + good + ",\"x\":1}}}", "unknown field 'x'"},
            {"{\"evidence\":{\"software\":\"nil\"}}", "must be an object"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.uri() + "/v1/verify"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(c[0]))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), c[0]);
            assertTrue(JSON.readTree(r.body()).path("error").asText().contains(c[1]), r.body());
        }
    }

    @Test
    void configRefusesAMistypedSwitchAndTheCamelCasePolicyKey() throws Exception {
        Path notBool = dir.resolve("not-bool");
        Files.createDirectories(notBool);
        ConfigException e = assertThrows(ConfigException.class, () -> ServiceConfigLoader.load(
                ServiceFixture.writeConfig(notBool, "[ca]\nephemeral = true\n[profiles.p]\n"
                        + "allow_software_evidence = \"yes\"\n")));
        assertTrue(e.getMessage().contains("'profiles.p.allow_software_evidence' must be true or false"),
                e.getMessage());
        Path inPolicy = dir.resolve("in-policy");
        Files.createDirectories(inPolicy);
        ConfigException p = assertThrows(ConfigException.class, () -> ServiceConfigLoader.load(
                ServiceFixture.writeConfig(inPolicy, "[ca]\nephemeral = true\n[profiles.p.policy]\n"
                        + "allowSoftwareEvidence = true\n")));
        assertTrue(p.getMessage().contains("allowSoftwareEvidence"), p.getMessage());
        assertFalse(ServiceConfigLoader.load(ServiceFixture.writeConfig(inPolicy, "[ca]\nephemeral = true\n"
                + "[profiles.p]\n")).profiles().get("p").policy().allowSoftwareEvidence());
    }

    private static List<String> failedChecks(AttestationException e) {
        return e.reasons().stream().map(r -> r.substring(0, r.indexOf(':'))).toList();
    }

    private static JsonNode lastAudit(String endpoint) throws Exception {
        List<JsonNode> lines = AuditLines.lines(dir).stream()
                .filter(l -> l.path("endpoint").asText().equals(endpoint)).toList();
        return lines.getLast();
    }
}
