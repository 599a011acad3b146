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

    private static EvidenceFiles bound(Consumer<byte[]> change) throws Exception {
        return snp.evidence(snp.report(binding(key, KeyBinding.SHA512), change));
    }

    @Test
    void issuesAChainWithAttestedClaimsAndShortValidity() throws Exception {
        IssuedCertificate issued = client.requestCertificate(bound(r -> { }), "web", csr, KeyBinding.SHA512);
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
                && l.path("serial").asText().equals(issued.serial())));
    }

    @Test
    void sha384BindingIsAcceptedWhenAskedFor() throws Exception {
        EvidenceFiles e = snp.evidence(snp.report(binding(key, KeyBinding.SHA384)));
        assertEquals(2, client.requestCertificate(e, "web", csr, KeyBinding.SHA384).chain().size());
        AttestationException wrong = assertThrows(AttestationException.class,
                () -> client.requestCertificate(e, "web", csr, KeyBinding.SHA512));
        assertTrue(wrong.refused());
    }

    /** Each failing check alone refuses issuance with that check among the reasons, and nothing is issued. */
    @Test
    void refusesForEachFailingCheck() throws Exception {
        byte[] otherKeyBinding = binding(p384(), KeyBinding.SHA512);
        SyntheticSnp untrusted = new SyntheticSnp();
        assertRefused("policy.reportData", snp.evidence(snp.report(otherKeyBinding)), "web");
        assertRefused("report.signature", tamperedAfterSigning());
        assertRefused("policy.measurement", bound(r -> { }), "other-app");
        assertRefused("policy.minimumTcb", bound(r -> { }), "newer-tcb");
        assertRefused("policy.debug", bound(r -> r[0x008 + 2] |= 0x08)); // guest policy bit 19: debug allowed
        assertRefused("policy.vmpl", bound(r -> r[0x030] = 1));
        assertRefused("leaf.hwId", bound(r -> r[0x1A0] ^= 1)); // CHIP_ID no longer the VCEK's hwID
        assertRefused("chain.ark.pin", untrusted.evidence(untrusted.report(binding(key, KeyBinding.SHA512))), "web");
        byte[] good = snp.report(binding(key, KeyBinding.SHA512));
        assertRefused("certificates.load", new EvidenceFiles(good, Optional.empty(), Optional.empty()), "web");
        assertRefused("chain.leaf", EvidenceFiles.of(good, untrusted.pki.vcek.getEncoded(), snp.chainPem()), "web");
    }

    private static EvidenceFiles tamperedAfterSigning() throws Exception {
        byte[] r = snp.report(binding(key, KeyBinding.SHA512));
        r[0x090] ^= 1;
        return snp.evidence(r);
    }

    private static void assertRefused(String check, EvidenceFiles evidence) throws Exception {
        assertRefused(check, evidence, "web");
    }

    private static void assertRefused(String check, EvidenceFiles evidence, String profile) throws Exception {
        long issuedBefore = server.service().metrics().decisions("issued");
        AttestationException e = assertThrows(AttestationException.class,
                () -> client.requestCertificate(evidence, profile, csr, KeyBinding.SHA512));
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
        JsonNode verdict = client.verify(bound(r -> { }), Optional.of("web"),
                Optional.of(binding(key, KeyBinding.SHA512)));
        assertTrue(verdict.path("verified").asBoolean(), verdict.toString());
        assertEquals("Milan", verdict.path("product").asText());
        assertEquals(SyntheticSnp.MEASUREMENT, verdict.path("measurement").asText());
        JsonNode failing = client.verify(bound(r -> { }), Optional.of("other-app"), Optional.empty());
        assertFalse(failing.path("verified").asBoolean());
        assertEquals(issuedBefore, server.service().metrics().decisions("issued"));
    }

    @Test
    void unknownProfileIs404AndCsrWithBadSignatureIs400() throws Exception {
        AttestationException unknown = assertThrows(AttestationException.class,
                () -> client.requestCertificate(bound(r -> { }), "nope", csr, KeyBinding.SHA512));
        assertEquals(404, unknown.status());
        // A CSR for our key but signed by another: the requester does not hold the key it wants certified.
        KeyPair other = p384();
        PKCS10CertificationRequest forged = new org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder(
                csr.getSubject(), csr.getSubjectPublicKeyInfo()).build(
                new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA384withECDSA")
                        .build(other.getPrivate()));
        AttestationException bad = assertThrows(AttestationException.class,
                () -> client.requestCertificate(bound(r -> { }), "web", forged, KeyBinding.SHA512));
        assertEquals(400, bad.status());
        assertTrue(bad.getMessage().contains("signature does not verify"), bad.getMessage());
    }

    static List<JsonNode> auditLines() throws Exception {
        return AuditLines.lines(dir);
    }
}
