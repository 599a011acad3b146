package dev.keep.attestation.service;

import static dev.keep.attestation.SnpTestData.VALID_TIME;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.client.AttestationException;
import dev.keep.attestation.client.Csrs;
import dev.keep.attestation.protocol.Challenge;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.report.Hex;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Challenge nonces over real HTTP on loopback: REPORT_DATA = SHA-512(nonce || SPKI), each nonce accepted once and
 * only before it expires, a bounded store, and the key-only binding only where a policy sets require_nonce = false.
 * Every test starts its own service on a clock it moves by hand.
 */
class ChallengeTest {
    private static final String WAIVERS = """

            [profiles.legacy]
            require_nonce = false
            [profiles.legacy.policy]
            allowedMeasurements = ["%1$s"]

            [secrets.legacy-secret]
            value = "old way"
            require_nonce = false
            [secrets.legacy-secret.policy]
            allowedMeasurements = ["%1$s"]
            """.formatted(SyntheticSnp.MEASUREMENT);

    @TempDir
    Path dir;
    private static SyntheticSnp snp;
    private static KeyPair key;
    private static PKCS10CertificationRequest csr;
    private MutableClock clock;
    private AttestationServer server;
    private AttestationClient client;

    @BeforeAll
    static void hierarchy() throws Exception {
        snp = new SyntheticSnp();
        key = IssuanceTest.p384();
        csr = Csrs.create(key, "CN=nonce-test");
    }

    private void start(String extraToml) throws Exception {
        clock = new MutableClock(VALID_TIME);
        server = ServiceFixture.start(dir, ServiceFixture.standardToml() + extraToml, snp.pins(), clock);
        client = AttestationClient.create(server.uri());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private AttestationException refusedCertificate(Attested a) {
        return assertThrows(AttestationException.class,
                () -> client.requestCertificate(a.evidence(), "web", csr, KeyBinding.SHA512, a.nonceField()));
    }

    private void assertNonceRefusal(String reason, AttestationException e) throws Exception {
        assertEquals(403, e.status(), e.getMessage());
        assertEquals(List.of("nonce: " + reason), e.reasons());
        JsonNode last = AuditLines.lines(dir).getLast();
        assertEquals("refused", last.path("decision").asText(), last.toString());
        assertTrue(last.path("reasons").get(0).asText().contains(reason), last.toString());
    }

    @Test
    void challengeIsAFreshNonceWithTheConfiguredLifetime() throws Exception {
        start("");
        Challenge first = client.challenge();
        Challenge second = client.challenge();
        assertEquals(Challenge.NONCE_BYTES, first.nonce().length);
        assertNotEquals(Hex.encode(first.nonce()), Hex.encode(second.nonce()));
        assertEquals(VALID_TIME.plus(Duration.ofMinutes(5)), first.expires(), "default lifetime: 5 minutes");
        assertEquals(2, server.service().nonces().outstanding());
        HttpResponse<String> empty = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                server.uri().resolve("/v1/challenge")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, empty.statusCode(), "no body and no content type is fine: " + empty.body());
        assertEquals(32, Base64.getDecoder().decode(new ObjectMapper().readTree(empty.body())
                .path("nonce").asText()).length);
    }

    @Test
    void reportDataIsSha512OfNonceThenSpki() throws Exception {
        byte[] nonce = new byte[32];
        new SecureRandom().nextBytes(nonce);
        byte[] spki = key.getPublic().getEncoded();
        byte[] concatenated = new byte[nonce.length + spki.length];
        System.arraycopy(nonce, 0, concatenated, 0, nonce.length);
        System.arraycopy(spki, 0, concatenated, nonce.length, spki.length);
        assertArrayEquals(MessageDigest.getInstance("SHA-512").digest(concatenated),
                KeyBinding.SHA512.reportData(nonce, spki));
        byte[] sha384 = KeyBinding.SHA384.reportData(nonce, spki);
        assertArrayEquals(MessageDigest.getInstance("SHA-384").digest(concatenated),
                Arrays.copyOf(sha384, 48));
        assertArrayEquals(new byte[16], Arrays.copyOfRange(sha384, 48, 64));
        assertThrows(IllegalArgumentException.class, () -> KeyBinding.SHA512.reportData(new byte[31], spki));
    }

    @Test
    void aNonceIsAcceptedOnceForCertificatesAndSecrets() throws Exception {
        start("");
        Attested a = Attested.fresh(snp, client, key);
        assertEquals(2, client.requestCertificate(a.evidence(), "web", csr, KeyBinding.SHA512, a.nonceField())
                .chain().size());
        assertNonceRefusal("nonce already used", refusedCertificate(a));

        KeyPair x25519 = KeyPairGenerator.getInstance("X25519").generateKeyPair();
        Attested s = Attested.fresh(snp, client, x25519);
        assertEquals("correct horse battery staple", new String(client.requestSecret(s.evidence(), "db-password",
                x25519, KeyBinding.SHA512, s.nonceField()), StandardCharsets.UTF_8));
        AttestationException again = assertThrows(AttestationException.class, () -> client.requestSecret(
                s.evidence(), "db-password", x25519, KeyBinding.SHA512, s.nonceField()));
        assertNonceRefusal("nonce already used", again);
        assertEquals(1, server.service().metrics().decisions("issued"));
        assertEquals(1, server.service().metrics().decisions("released"));
    }

    @Test
    void aFailedVerdictSpendsTheNonceToo() throws Exception {
        start("");
        Attested a = Attested.fresh(snp, client, key, KeyBinding.SHA512, r -> r[0x030] = 1); // VMPL 1: refused
        assertTrue(refusedCertificate(a).reasons().stream().anyMatch(r -> r.startsWith("policy.vmpl:")));
        assertNonceRefusal("nonce already used", refusedCertificate(a));
    }

    @Test
    void anExpiredNonceIsRefused() throws Exception {
        start("");
        Attested a = Attested.fresh(snp, client, key);
        clock.advance(Duration.ofMinutes(5));
        assertNonceRefusal("nonce expired", refusedCertificate(a));
        Attested b = Attested.fresh(snp, client, key);
        clock.advance(Duration.ofMinutes(4).plusSeconds(59));
        assertEquals(2, client.requestCertificate(b.evidence(), "web", csr, KeyBinding.SHA512, b.nonceField())
                .chain().size(), "one second before expiry the nonce still counts");
        assertEquals(1, server.service().metrics().decisions("issued"));
    }

    @Test
    void expiryIsConfigurable() throws Exception {
        start("\n[challenge]\nlifetime_seconds = 30\n");
        Attested a = Attested.fresh(snp, client, key);
        clock.advance(Duration.ofSeconds(31));
        Attested b = Attested.fresh(snp, client, key); // sweeps the expired nonce out of the store
        assertEquals(1, server.service().nonces().outstanding());
        assertNonceRefusal("nonce expired", refusedCertificate(a));
        assertEquals(2, client.requestCertificate(b.evidence(), "web", csr, KeyBinding.SHA512, b.nonceField())
                .chain().size());
    }

    @Test
    void unknownAndMissingNoncesAreRefused() throws Exception {
        start("");
        byte[] invented = new byte[32];
        new SecureRandom().nextBytes(invented);
        Attested forged = new Attested(snp.evidence(snp.report(KeyBinding.SHA512.reportData(invented,
                key.getPublic().getEncoded()))), invented);
        AttestationException unknown = refusedCertificate(forged);
        assertEquals(403, unknown.status());
        assertTrue(unknown.reasons().getFirst().startsWith("nonce: unknown nonce"), unknown.reasons()::toString);
        assertEquals("refused", AuditLines.lines(dir).getLast().path("decision").asText());

        byte[] keyOnly = snp.report(KeyBinding.SHA512.reportData(key.getPublic().getEncoded()));
        AttestationException missing = assertThrows(AttestationException.class, () -> client.requestCertificate(
                snp.evidence(keyOnly), "web", csr, KeyBinding.SHA512, Optional.empty()));
        assertEquals(403, missing.status());
        assertTrue(missing.reasons().getFirst().contains("profile 'web' requires a nonce from POST /v1/challenge"),
                missing.reasons()::toString);
        AttestationException missingSecret = assertThrows(AttestationException.class, () -> client.requestSecret(
                snp.evidence(keyOnly), "db-password", key, KeyBinding.SHA512, Optional.empty()));
        assertTrue(missingSecret.reasons().getFirst().startsWith("nonce: missing"), missingSecret.getMessage());
        JsonNode last = AuditLines.lines(dir).getLast();
        assertEquals("secret", last.path("endpoint").asText());
        assertEquals("refused", last.path("decision").asText());
        assertEquals(0, server.service().metrics().decisions("issued"));
        assertEquals(0, server.service().metrics().decisions("released"));
    }

    @Test
    void aFullStoreRefusesChallengesUntilNoncesAreUsedOrExpire() throws Exception {
        start("\n[challenge]\nlifetime_seconds = 60\nmax_outstanding = 3\n");
        List<Attested> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(Attested.fresh(snp, client, key));
        }
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest challenge = HttpRequest.newBuilder(server.uri().resolve("/v1/challenge"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        HttpResponse<String> full = http.send(challenge, HttpResponse.BodyHandlers.ofString());
        assertEquals(503, full.statusCode(), full.body());
        assertEquals("60", full.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(new ObjectMapper().readTree(full.body()).path("error").asText()
                .startsWith("too many outstanding challenges (3); try again in 60 s"), full.body());
        JsonNode audited = AuditLines.lines(dir).getLast();
        assertEquals("challenge", audited.path("endpoint").asText());
        assertEquals("rejected", audited.path("decision").asText());
        assertEquals(503, assertThrows(AttestationException.class, client::challenge).status());

        // Using a nonce frees its place at once.
        Attested used = held.removeFirst();
        client.requestCertificate(used.evidence(), "web", csr, KeyBinding.SHA512, used.nonceField());
        held.add(Attested.fresh(snp, client, key));
        assertEquals(503, http.send(challenge, HttpResponse.BodyHandlers.ofString()).statusCode());

        // Once they expire, challenges are handed out again, and the old nonces are refused as expired.
        clock.advance(Duration.ofSeconds(61));
        assertEquals(200, http.send(challenge, HttpResponse.BodyHandlers.ofString()).statusCode());
        assertNonceRefusal("nonce expired", refusedCertificate(held.getFirst()));
        String metrics = http.send(HttpRequest.newBuilder(server.uri().resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("keep_attest_nonces_outstanding 1\n"), metrics);
    }

    @Test
    void manyThreadsRacingWithOneNonceGetExactlyOneCertificate() throws Exception {
        start("");
        Attested a = Attested.fresh(snp, client, key);
        int threads = 16;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < threads; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    try {
                        client.requestCertificate(a.evidence(), "web", csr, KeyBinding.SHA512, a.nonceField());
                        return 200;
                    } catch (AttestationException e) {
                        assertEquals(List.of("nonce: nonce already used"), e.reasons());
                        return e.status();
                    }
                }));
            }
            go.countDown();
            int ok = 0;
            int refused = 0;
            for (Future<Integer> f : answers) {
                int status = f.get();
                ok += status == 200 ? 1 : 0;
                refused += status == 403 ? 1 : 0;
            }
            assertEquals(1, ok);
            assertEquals(threads - 1, refused);
        }
        assertEquals(1, server.service().metrics().decisions("issued"));
        assertEquals(threads - 1, AuditLines.lines(dir).stream().filter(l -> l.path("reasons").toString()
                .contains("nonce already used")).count());
    }

    @Test
    void aPolicyThatWaivesNoncesAcceptsTheKeyOnlyBinding() throws Exception {
        start(WAIVERS);
        byte[] keyOnly = snp.report(KeyBinding.SHA512.reportData(key.getPublic().getEncoded()));
        assertEquals(2, client.requestCertificate(snp.evidence(keyOnly), "legacy", csr, KeyBinding.SHA512,
                Optional.empty()).chain().size());
        KeyPair x25519 = KeyPairGenerator.getInstance("X25519").generateKeyPair();
        byte[] keyOnlyX = snp.report(KeyBinding.SHA512.reportData(x25519.getPublic().getEncoded()));
        assertEquals("old way", new String(client.requestSecret(snp.evidence(keyOnlyX), "legacy-secret", x25519,
                KeyBinding.SHA512, Optional.empty()), StandardCharsets.UTF_8));
        // The same key-only evidence is refused where the policy keeps the default.
        AttestationException strict = assertThrows(AttestationException.class, () -> client.requestCertificate(
                snp.evidence(keyOnly), "web", csr, KeyBinding.SHA512, Optional.empty()));
        assertTrue(strict.reasons().getFirst().startsWith("nonce: missing"), strict.getMessage());
        // A nonce sent to a waiving profile is still checked, spent and bound.
        Attested a = Attested.fresh(snp, client, key);
        assertEquals(2, client.requestCertificate(a.evidence(), "legacy", csr, KeyBinding.SHA512, a.nonceField())
                .chain().size());
        assertThrows(AttestationException.class, () -> client.requestCertificate(a.evidence(), "legacy", csr,
                KeyBinding.SHA512, a.nonceField()));
        Challenge c = client.challenge();
        AttestationException unbound = assertThrows(AttestationException.class, () -> client.requestCertificate(
                snp.evidence(keyOnly), "legacy", csr, KeyBinding.SHA512, Optional.of(c.nonce())));
        assertTrue(unbound.reasons().stream().anyMatch(r -> r.startsWith("policy.reportData:")),
                unbound.getMessage());
        assertEquals(HexFormat.of().formatHex(c.nonce()), AuditLines.lines(dir).getLast().path("nonce").asText());
    }
}
