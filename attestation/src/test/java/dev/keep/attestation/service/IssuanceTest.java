package dev.keep.attestation.service;

import static dev.keep.attestation.SnpTestData.VALID_TIME;
import static dev.keep.attestation.SnpTestData.clockAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.client.AttestationException;
import dev.keep.attestation.client.Csrs;
import dev.keep.attestation.client.IssuedCertificate;
import dev.keep.attestation.protocol.AttestationExtensions;
import dev.keep.attestation.protocol.EvidenceFiles;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.report.Hex;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificate issuance over real HTTP on loopback, against the private test hierarchy of {@link SyntheticSnp}. */
class IssuanceTest {
    @TempDir
    static Path dir;
    private static SyntheticSnp snp;
    private static AttestationServer server;
    private static AttestationClient client;
    private static KeyPair key;
    private static PKCS10CertificationRequest csr;

    @BeforeAll
    static void start() throws Exception {
        snp = new SyntheticSnp();
        server = ServiceFixture.start(dir, ServiceFixture.standardToml(), snp.pins(), clockAt(VALID_TIME));
        client = AttestationClient.create(server.uri());
        key = p384();
        csr = Csrs.create(key, "CN=test-app");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static KeyPair p384() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp384r1"));
        return g.generateKeyPair();
    }

    private static byte[] binding(KeyPair k, KeyBinding b) {
        return b.reportData(k.getPublic().getEncoded());
    }

    /** Evidence binding a fresh nonce and {@link #key}, with {@code change} applied to the report before signing. */
    private static Attested bound(Consumer<byte[]> change) throws Exception {
        return Attested.fresh(snp, client, key, KeyBinding.SHA512, change);
    }

    @Test
    void issuesAChainWithAttestedClaimsAndShortValidity() throws Exception {
        Attested a = bound(r -> { });
        IssuedCertificate issued = client.requestCertificate(a.evidence(), "web", csr, KeyBinding.SHA512,
                a.nonceField());
        assertEquals(2, issued.chain().size());
        X509CertificateHolder leaf = issued.leaf();
        X509CertificateHolder ca = issued.chain().get(1);
        assertTrue(leaf.isSignatureValid(new JcaContentVerifierProviderBuilder().build(ca)));
        assertEquals(leaf.getSubjectPublicKeyInfo().getEncoded().length, key.getPublic().getEncoded().length);
        assertEquals(Hex.encode(leaf.getSubjectPublicKeyInfo().getEncoded()), Hex.encode(key.getPublic().getEncoded()));
        assertEquals("CN=test-app", leaf.getSubject().toString());
        assertEquals(Duration.ofMinutes(31), Duration.between(leaf.getNotBefore().toInstant(),
                leaf.getNotAfter().toInstant()), "30 minutes plus one minute of back-dating for clock skew");
        assertEquals(VALID_TIME.plus(Duration.ofMinutes(30)), issued.notAfter());
        AttestationExtensions.Claims claims = AttestationExtensions.decode(leaf).orElseThrow();
        assertEquals(SyntheticSnp.MEASUREMENT, Hex.encode(claims.measurement()));
        assertEquals(List.of(3L, 0L, 8L, 115L), claims.tcb().subList(1, 5));
        assertEquals("Milan", claims.product());
        assertEquals(0x30000L, claims.guestPolicy());
        assertEquals("web", claims.profile());
        GeneralNames san = GeneralNames.fromExtensions(leaf.getExtensions(), Extension.subjectAlternativeName);
        assertTrue(san.toString().contains("web.keep.internal"));
        assertTrue(auditLines().stream().anyMatch(l -> l.path("decision").asText().equals("issued")
                && l.path("serial").asText().equals(issued.serial())
                && l.path("nonce").asText().equals(Hex.encode(a.nonce()))));
    }

    @Test
    void sha384BindingIsAcceptedWhenAskedFor() throws Exception {
        Attested a = Attested.fresh(snp, client, key, KeyBinding.SHA384, r -> { });
        assertEquals(2, client.requestCertificate(a.evidence(), "web", csr, KeyBinding.SHA384, a.nonceField())
                .chain().size());
        Attested b = Attested.fresh(snp, client, key, KeyBinding.SHA384, r -> { });
        AttestationException wrong = assertThrows(AttestationException.class,
                () -> client.requestCertificate(b.evidence(), "web", csr, KeyBinding.SHA512, b.nonceField()));
        assertTrue(wrong.refused());
        assertTrue(wrong.reasons().stream().anyMatch(r -> r.startsWith("policy.reportData:")), wrong.getMessage());
    }

    /** Each failing check alone refuses issuance with that check among the reasons, and nothing is issued. */
    @Test
    void refusesForEachFailingCheck() throws Exception {
        SyntheticSnp untrusted = new SyntheticSnp();
        assertRefused("policy.reportData", Attested.fresh(snp, client, p384()), "web");
        assertRefused("report.signature", tamperedAfterSigning());
        assertRefused("policy.measurement", bound(r -> { }), "other-app");
        assertRefused("policy.minimumTcb", bound(r -> { }), "newer-tcb");
        assertRefused("policy.debug", bound(r -> r[0x008 + 2] |= 0x08)); // guest policy bit 19: debug allowed
        assertRefused("policy.vmpl", bound(r -> r[0x030] = 1));
        assertRefused("leaf.hwId", bound(r -> r[0x1A0] ^= 1)); // CHIP_ID no longer the VCEK's hwID
        assertRefused("chain.ark.pin", Attested.fresh(untrusted, client, key), "web");
        Attested good = bound(r -> { });
        assertRefused("certificates.load", new Attested(new EvidenceFiles(good.evidence().report(), Optional.empty(),
                Optional.empty()), good.nonce()), "web");
        Attested good2 = bound(r -> { });
        assertRefused("chain.leaf", new Attested(EvidenceFiles.of(good2.evidence().report(),
                untrusted.pki.vcek.getEncoded(), snp.chainPem()), good2.nonce()), "web");
    }

    private static Attested tamperedAfterSigning() throws Exception {
        Attested a = bound(r -> { });
        byte[] r = a.evidence().report().clone();
        r[0x090] ^= 1;
        return new Attested(snp.evidence(r), a.nonce());
    }

    private static void assertRefused(String check, Attested attested) throws Exception {
        assertRefused(check, attested, "web");
    }

    private static void assertRefused(String check, Attested attested, String profile) throws Exception {
        long issuedBefore = server.service().metrics().decisions("issued");
        AttestationException e = assertThrows(AttestationException.class, () -> client.requestCertificate(
                attested.evidence(), profile, csr, KeyBinding.SHA512, attested.nonceField()));
        assertEquals(403, e.status(), e.getMessage());
        assertTrue(e.reasons().stream().anyMatch(r -> r.startsWith(check + ":")), check + " not in " + e.reasons());
        assertEquals(issuedBefore, server.service().metrics().decisions("issued"));
        JsonNode last = auditLines().getLast();
        assertEquals("refused", last.path("decision").asText());
        assertTrue(last.path("reasons").toString().contains(check), last.toString());
    }

    @Test
    void verifyEndpointGivesTheVerdictAndIssuesNothing() throws Exception {
        long issuedBefore = server.service().metrics().decisions("issued");
        EvidenceFiles keyOnly = snp.evidence(snp.report(binding(key, KeyBinding.SHA512)));
        JsonNode verdict = client.verify(keyOnly, Optional.of("web"), Optional.of(binding(key, KeyBinding.SHA512)));
        assertTrue(verdict.path("verified").asBoolean(), verdict.toString());
        assertEquals("Milan", verdict.path("product").asText());
        assertEquals(SyntheticSnp.MEASUREMENT, verdict.path("measurement").asText());
        JsonNode failing = client.verify(keyOnly, Optional.of("other-app"), Optional.empty());
        assertFalse(failing.path("verified").asBoolean());
        assertEquals(issuedBefore, server.service().metrics().decisions("issued"));
    }

    @Test
    void unknownProfileIs404AndCsrWithBadSignatureIs400() throws Exception {
        Attested a = bound(r -> { });
        AttestationException unknown = assertThrows(AttestationException.class,
                () -> client.requestCertificate(a.evidence(), "nope", csr, KeyBinding.SHA512, a.nonceField()));
        assertEquals(404, unknown.status());
        // A CSR for our key but signed by another: the requester does not hold the key it wants certified.
        KeyPair other = p384();
        PKCS10CertificationRequest forged = new org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder(
                csr.getSubject(), csr.getSubjectPublicKeyInfo()).build(
                new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA384withECDSA")
                        .build(other.getPrivate()));
        AttestationException bad = assertThrows(AttestationException.class,
                () -> client.requestCertificate(a.evidence(), "web", forged, KeyBinding.SHA512, a.nonceField()));
        assertEquals(400, bad.status());
        assertTrue(bad.getMessage().contains("signature does not verify"), bad.getMessage());
    }

    static List<JsonNode> auditLines() throws Exception {
        return AuditLines.lines(dir);
    }
}
