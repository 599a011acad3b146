package dev.keep.attestation.service;

import static dev.keep.attestation.SnpTestData.VALID_TIME;
import static dev.keep.attestation.SnpTestData.clockAt;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.client.AttestationException;
import dev.keep.attestation.protocol.KeyBinding;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secret release over real HTTP: HPKE-sealed to the bound key, only when that secret's policy passes. */
class SecretReleaseTest {
    private static final byte[] DB_PASSWORD = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    @TempDir
    static Path dir;
    private static SyntheticSnp snp;
    private static AttestationServer server;
    private static AttestationClient client;

    @BeforeAll
    static void start() throws Exception {
        snp = new SyntheticSnp();
        server = ServiceFixture.start(dir, ServiceFixture.standardToml(), snp.pins(), clockAt(VALID_TIME));
        client = AttestationClient.create(server.uri());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static KeyPair key(String algorithm) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm.startsWith("secp") ? "EC" : algorithm);
        if (algorithm.startsWith("secp")) {
            g.initialize(new java.security.spec.ECGenParameterSpec(algorithm));
        }
        return g.generateKeyPair();
    }

    private static byte[] releasedTo(KeyPair k, String secret) throws Exception {
        Attested a = Attested.fresh(snp, client, k);
        return client.requestSecret(a.evidence(), secret, k, KeyBinding.SHA512, a.nonceField());
    }

    @Test
    void releasesToBoundP384AndX25519AndP256Keys() throws Exception {
        for (String type : new String[] {"secp384r1", "X25519", "secp256r1"}) {
            assertArrayEquals(DB_PASSWORD, releasedTo(key(type), "db-password"), type);
        }
        assertTrue(AuditLines.lines(dir).stream().anyMatch(l -> l.path("decision").asText()
                .equals("released") && l.path("secret").asText().equals("db-password")));
    }

    @Test
    void refusedWhenTheSecretsPolicyDoesNotMatch() throws Exception {
        long released = server.service().metrics().decisions("released");
        AttestationException e = assertThrows(AttestationException.class,
                () -> releasedTo(key("X25519"), "other-secret"));
        assertEquals(403, e.status());
        assertTrue(e.reasons().stream().anyMatch(r -> r.startsWith("policy.measurement:")), e.reasons()::toString);
        assertEquals(released, server.service().metrics().decisions("released"));
    }

    @Test
    void refusedWhenTheReportBindsAnotherKey() throws Exception {
        KeyPair mine = key("X25519");
        Attested other = Attested.fresh(snp, client, key("X25519"));
        AttestationException e = assertThrows(AttestationException.class, () -> client.requestSecret(
                other.evidence(), "db-password", mine, KeyBinding.SHA512, other.nonceField()));
        assertEquals(403, e.status());
        assertTrue(e.reasons().stream().anyMatch(r -> r.startsWith("policy.reportData:")), e.reasons()::toString);
    }

    @Test
    void unknownSecretIs404AndUnsupportedKeyIs400() throws Exception {
        AttestationException unknown = assertThrows(AttestationException.class,
                () -> releasedTo(key("X25519"), "no-such-secret"));
        assertEquals(404, unknown.status());
        AttestationException rsa = assertThrows(AttestationException.class, () -> releasedTo(key("RSA"),
                "db-password"));
        assertEquals(400, rsa.status());
        assertTrue(rsa.getMessage().contains("X25519, EC P-256 or EC P-384"), rsa.getMessage());
    }
}
