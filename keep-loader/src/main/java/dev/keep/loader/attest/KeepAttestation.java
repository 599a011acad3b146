package dev.keep.loader.attest;

import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.client.AttestationException;
import dev.keep.attestation.client.Csrs;
import dev.keep.attestation.client.IssuedCertificate;
import dev.keep.attestation.protocol.Challenge;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.protocol.Pem;
import dev.keep.loader.KeepException;
import dev.keep.loader.backend.EvidenceSource;
import dev.keep.loader.config.AttestationConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;

/**
 * The keep's side of Keep.toml's {@code [attestation]}, done before the app starts: generate a key pair, and for
 * the certificate and for each secret get a fresh challenge nonce, have the backend produce evidence whose
 * REPORT_DATA is SHA-512(nonce || the key's SubjectPublicKeyInfo), and send it with the CSR or the secret request.
 * The result is an {@link AttestedDirectory} for the app. Any failure (service unreachable, refusal, an answer that
 * does not fit) is a {@link KeepException} of one line, so the app never starts half-attested.
 *
 * <p>Here the loader stands in for the keep. With the nil backend that changes nothing, since the app runs in this
 * JVM anyway. On sev-snp this whole exchange moves inside the keep: the key must be generated, and the certificate
 * key and secrets must stay, in encrypted guest memory, with the report requested from the PSP by the in-keep
 * runtime; the host then only relays bytes and never holds the key.
 */
public final class KeepAttestation {
    private static final KeyBinding BINDING = KeyBinding.SHA512;

    private final AttestationConfig config;
    private final EvidenceSource evidence;
    private final Consumer<String> verbose;
    private final AttestationClient client;

    private KeepAttestation(AttestationConfig config, EvidenceSource evidence, Consumer<String> verbose) {
        this.config = config;
        this.evidence = evidence;
        this.verbose = verbose;
        this.client = client(config);
    }

    /**
     * Obtains what {@code config} asks for with evidence from {@code evidence}. {@code subject} names the app in the
     * CSR ("CN=..."), unless the service's profile fixes a subject.
     */
    public static AttestedDirectory obtain(AttestationConfig config, EvidenceSource evidence, String subject,
            Consumer<String> verbose) {
        return new KeepAttestation(config, evidence, verbose).obtain(subject);
    }

    private AttestedDirectory obtain(String subject) {
        verbose.accept("attestation: evidence from the " + evidence.description());
        KeyPair key = generateKey();
        Optional<String> chain = Optional.empty();
        if (config.profile().isPresent()) {
            IssuedCertificate issued = certificate(key, config.profile().get(), subject);
            verbose.accept("attestation: certificate " + issued.serial() + " from profile '" + config.profile().get()
                    + "', valid until " + issued.notAfter());
            chain = Optional.of(issued.pem());
        }
        Map<String, byte[]> secrets = new LinkedHashMap<>();
        for (String name : config.secrets()) {
            byte[] value = secret(key, name);
            verbose.accept("attestation: secret '" + name + "' (" + value.length + " bytes)");
            secrets.put(name, value);
        }
        AttestedDirectory dir = AttestedDirectory.write(config.guestDir(), chain, Pem.privateKey(key.getPrivate()),
                secrets);
        verbose.accept("attestation: presented read-only at " + dir.guestPath() + " (host copy " + dir.hostPath()
                + ", deleted after the run)");
        return dir;
    }

    private IssuedCertificate certificate(KeyPair key, String profile, String subject) {
        String what = "certificate (profile '" + profile + "')";
        byte[] nonce = challenge(what);
        IssuedCertificate issued;
        try {
            issued = client.requestCertificate(evidence.evidence(reportData(nonce, key)), profile,
                    Csrs.create(key, subject), BINDING, Optional.of(nonce));
        } catch (AttestationException e) {
            throw failed(what, e.getMessage());
        }
        if (!issued.leaf().getSubjectPublicKeyInfo().equals(SubjectPublicKeyInfo.getInstance(
                key.getPublic().getEncoded()))) {
            throw failed(what, "the service answered with a certificate for another key");
        }
        return issued;
    }

    private byte[] secret(KeyPair key, String name) {
        String what = "secret '" + name + "'";
        byte[] nonce = challenge(what);
        try {
            return client.requestSecret(evidence.evidence(reportData(nonce, key)), name, key, BINDING,
                    Optional.of(nonce));
        } catch (AttestationException e) {
            throw failed(what, e.getMessage());
        }
    }

    /** Each request spends its own nonce, so each gets a fresh challenge. */
    private byte[] challenge(String what) {
        try {
            Challenge challenge = client.challenge();
            return challenge.nonce();
        } catch (AttestationException e) {
            throw failed(what, e.getMessage());
        }
    }

    private static byte[] reportData(byte[] nonce, KeyPair key) {
        return BINDING.reportData(nonce, key.getPublic().getEncoded());
    }

    /** P-384: the CSR is signed with it and secrets are sealed to it (HPKE with the P-384 KEM). */
    private static KeyPair generateKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp384r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new KeepException("attestation: cannot generate the keep's P-384 key: " + e.getMessage());
        }
    }

    private static AttestationClient client(AttestationConfig config) {
        if (config.trust().isEmpty()) {
            return AttestationClient.create(config.url());
        }
        List<X509Certificate> anchors = new ArrayList<>();
        try {
            byte[] pem = Files.readAllBytes(config.trust().get());
            for (X509CertificateHolder h : Pem.certificates(pem, "attestation.trust " + config.trust().get())) {
                anchors.add(new JcaX509CertificateConverter().getCertificate(h));
            }
            return AttestationClient.create(config.url(), anchors);
        } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
            throw new KeepException("attestation: cannot use the trust anchors " + config.trust().get() + ": "
                    + oneLine(e.getMessage()));
        }
    }

    private static KeepException failed(String what, String reason) {
        return new KeepException("attestation failed, the app was not started: " + what + ": " + oneLine(reason));
    }

    private static String oneLine(String text) {
        return text == null ? "no detail" : text.replaceAll("\\s+", " ").strip();
    }
}
