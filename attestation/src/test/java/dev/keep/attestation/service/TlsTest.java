package dev.keep.attestation.service;

import static dev.keep.attestation.SnpTestData.VALID_TIME;
import static dev.keep.attestation.SnpTestData.clockAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.client.AttestationException;
import dev.keep.attestation.client.Csrs;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.protocol.Pem;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service over TLS, configured from PEM files and from a PKCS#12 keystore. */
class TlsTest {
    @TempDir
    Path dir;
    private static SyntheticSnp snp;
    private static KeyPair serverKey;
    private static X509Certificate serverCert;

    @BeforeAll
    static void keys() throws Exception {
        snp = new SyntheticSnp();
        serverKey = IssuanceTest.p384();
        // Real time, not the test clock: the JDK client checks the TLS certificate against the wall clock.
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=127.0.0.1"),
                BigInteger.TEN, Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(1, ChronoUnit.DAYS)),
                new X500Name("CN=127.0.0.1"), serverKey.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
        X509CertificateHolder holder = b.build(new JcaContentSignerBuilder("SHA384withECDSA")
                .build(serverKey.getPrivate()));
        serverCert = new JcaX509CertificateConverter().getCertificate(holder);
    }

    private String toml(String tls) {
        return ServiceFixture.standardToml().replace("[ca]", tls + "\n[ca]");
    }

    @Test
    void pemKeyAndCertificate() throws Exception {
        Files.writeString(dir.resolve("server.pem"), Pem.write(serverCert));
        Files.writeString(dir.resolve("server.key"), Pem.privateKey(serverKey.getPrivate()));
        try (AttestationServer server = ServiceFixture.start(dir, toml("[tls]\ncert = \"server.pem\"\nkey = "
                + "\"server.key\"\n"), snp.pins(), clockAt(VALID_TIME))) {
            assertEquals("https", server.uri().getScheme());
            issuesOverTls(server);
        }
    }

    @Test
    void pkcs12Keystore() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", serverKey.getPrivate(), "s3cret".toCharArray(),
                new X509Certificate[] {serverCert});
        try (OutputStream out = Files.newOutputStream(dir.resolve("server.p12"))) {
            store.store(out, "s3cret".toCharArray());
        }
        try (AttestationServer server = ServiceFixture.start(dir, toml("[tls]\npkcs12 = \"server.p12\"\npassword = "
                + "\"s3cret\"\n"), snp.pins(), clockAt(VALID_TIME))) {
            issuesOverTls(server);
        }
    }

    private static void issuesOverTls(AttestationServer server) throws Exception {
        AttestationClient trusting = AttestationClient.create(server.uri(), List.of(serverCert));
        assertTrue(trusting.healthy());
        KeyPair key = IssuanceTest.p384();
        Attested a = Attested.fresh(snp, trusting, key);
        assertEquals(2, trusting.requestCertificate(a.evidence(), "web", Csrs.create(key, "CN=tls"),
                KeyBinding.SHA512, a.nonceField()).chain().size());

        AttestationClient untrusting = AttestationClient.create(server.uri());
        assertFalse(untrusting.healthy(), "a client without the anchor must not accept the server's certificate");
        AttestationException e = assertThrows(AttestationException.class,
                () -> untrusting.verify(a.evidence(), Optional.empty(), Optional.empty()));
        assertEquals(0, e.status());
    }
}
