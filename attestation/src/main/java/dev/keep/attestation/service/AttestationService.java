package dev.keep.attestation.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.kds.KdsClient;
import dev.keep.attestation.kds.KdsCollateral;
import dev.keep.attestation.kds.KdsUrls;
import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.protocol.AttestationExtensions;
import dev.keep.attestation.protocol.Challenge;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.protocol.Pem;
import dev.keep.attestation.protocol.SealedSecret;
import dev.keep.attestation.protocol.SecretSealing;
import dev.keep.attestation.protocol.SoftwareEvidence;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.TcbVersion;
import dev.keep.attestation.verify.Evidence;
import dev.keep.attestation.verify.ReportVerifier;
import dev.keep.attestation.verify.SoftwareEvidenceVerifier;
import dev.keep.attestation.verify.Verdict;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * The decisions of the attestation service, apart from HTTP: hand out challenge nonces, verify evidence, issue a
 * certificate for an attested key, release a secret to an attested key. Nothing is issued or released unless the
 * request's nonce was outstanding (it is then spent, whatever the verdict) and the verdict passed every check,
 * including the binding of nonce and key into REPORT_DATA. Every decision is written to the audit log before the
 * answer leaves. Thread-safe: requests run concurrently on virtual threads.
 */
public final class AttestationService {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final ServiceConfig config;
    private final ServiceCa ca;
    private final ReportVerifier verifier;
    private final Optional<KdsCollateral> kds;
    private final AuditLog audit;
    private final ServiceMetrics metrics;
    private final Clock clock;
    private final NonceStore nonces;

    public AttestationService(ServiceConfig config, ServiceCa ca, ArkPins pins, Clock clock, AuditLog audit,
            ServiceMetrics metrics) {
        this.config = config;
        this.ca = ca;
        this.verifier = new ReportVerifier(pins, clock);
        this.kds = config.kds().fetch() ? Optional.of(new KdsCollateral(
                new KdsClient(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                        .followRedirects(HttpClient.Redirect.NORMAL).build(), config.kds().cache(),
                        Duration.ofDays(1), clock), new KdsUrls(config.kds().url()))) : Optional.empty();
        this.audit = audit;
        this.metrics = metrics;
        this.clock = clock;
        this.nonces = new NonceStore(clock, config.challenges().lifetime(), config.challenges().maxOutstanding());
    }

    /** A JSON answer and its HTTP status. */
    public record Outcome(int status, JsonNode body) {}

    public ServiceCa ca() {
        return ca;
    }

    public ServiceMetrics metrics() {
        return metrics;
    }

    public NonceStore nonces() {
        return nonces;
    }

    /**
     * POST /v1/challenge: a fresh nonce and its expiry. Handing one out is not a decision and is not audited (it
     * would let anyone grow the log); a refusal because the store is full is.
     */
    public Outcome challenge(String client) throws NonceStore.Full {
        Challenge c;
        try {
            c = nonces.issue();
        } catch (NonceStore.Full e) {
            record("challenge", "rejected", client, List.of(e.getMessage()), Map.of());
            throw e;
        }
        ObjectNode out = MAPPER.createObjectNode();
        out.put("nonce", Base64.getEncoder().encodeToString(c.nonce()));
        out.put("expires", c.expires().toString());
        return new Outcome(200, out);
    }

    /** Writes a refused-before-consideration request to the audit log. */
    public void rejected(String endpoint, String client, String reason) {
        record(endpoint, "rejected", client, List.of(reason), Map.of());
    }

    /** POST /v1/verify: the verdict JSON of {@code keep attest verify}; nothing is issued. */
    public Outcome verify(JsonNode body, String client) throws BadRequest {
        RequestFields.onlyKnown(body, Set.of("evidence", "profile", "reportData"));
        Optional<String> profileName = RequestFields.text(body, "profile");
        VerificationPolicy policy = profileName.isPresent() ? profile(profileName.get()).policy()
                : config.verifyPolicy();
        Optional<byte[]> reportData = RequestFields.reportData(body);
        if (reportData.isPresent()) {
            policy = policy.withReportData(reportData.get());
        }
        Verdict verdict = verdictOf(RequestFields.evidence(body), policy);
        Map<String, Object> facts = facts(verdict);
        profileName.ifPresent(p -> facts.put("profile", p));
        record("verify", verdict.verified() ? "verified" : "not-verified", client, reasons(verdict), facts);
        try {
            return new Outcome(200, MAPPER.readTree(verdict.toJson()));
        } catch (IOException e) {
            throw new IllegalStateException("verdict JSON cannot be read back", e);
        }
    }

    /** POST /v1/certificate: a certificate chain for the CSR's key, if the evidence binds that key and passes. */
    public Outcome issue(JsonNode body, String client) throws BadRequest {
        RequestFields.onlyKnown(body, Set.of("evidence", "profile", "csr", "binding", "nonce"));
        ServiceConfig.Profile profile = profile(RequestFields.requiredText(body, "profile"));
        PKCS10CertificationRequest csr = RequestFields.csr(body);
        KeyBinding binding = RequestFields.binding(body);
        Optional<byte[]> nonce = RequestFields.nonce(body);
        SubmittedEvidence evidence = RequestFields.evidence(body);
        if (!csrSignatureVerifies(csr)) {
            throw new BadRequest(400, "the CSR's signature does not verify with its own key");
        }
        SubjectPublicKeyInfo key = csr.getSubjectPublicKeyInfo();
        Map<String, Object> asked = new LinkedHashMap<>();
        asked.put("profile", profile.name());
        asked.put("binding", binding.wireName());
        nonce.ifPresent(n -> asked.put("nonce", Hex.encode(n)));
        Optional<String> spent = spend(nonce, profile.requireNonce(), "profile '" + profile.name() + "'");
        if (spent.isPresent()) {
            record("certificate", "refused", client, List.of(spent.get()), asked);
            return refusal(List.of(spent.get()));
        }
        Verdict verdict = verified(evidence, profile.policy(), expectedReportData(binding, nonce, encoded(key)));
        Map<String, Object> facts = facts(verdict);
        facts.putAll(asked);
        if (!verdict.verified()) {
            record("certificate", "refused", client, reasons(verdict), facts);
            return refusal(verdict);
        }
        X500Name subject = subject(profile, csr);
        Instant now = clock.instant();
        X509CertificateHolder issued = ca.issue(key, subject, profile.dnsNames(), now, profile.validity(),
                attestedExtensions(verdict, profile.name()));
        facts.put("serial", issued.getSerialNumber().toString(16));
        facts.put("subject", subject.toString());
        facts.put("notAfter", issued.getNotAfter().toInstant().toString());
        record("certificate", "issued", client, List.of(), facts);
        ObjectNode out = MAPPER.createObjectNode();
        out.put("certificateChain", Pem.write(issued, ca.certificate()));
        out.put("serial", issued.getSerialNumber().toString(16));
        out.put("notAfter", issued.getNotAfter().toInstant().toString());
        out.put("measurement", Hex.encode(measurement(verdict)));
        out.put("hardwareRoot", verdict.hardwareRoot());
        return new Outcome(200, out);
    }

    /** POST /v1/secrets/{name}: the named secret sealed to the request's key, if its policy is met. */
    public Outcome releaseSecret(String name, JsonNode body, String client) throws BadRequest {
        RequestFields.onlyKnown(body, Set.of("evidence", "publicKey", "binding", "nonce"));
        ServiceConfig.Secret secret = config.secrets().get(name);
        if (secret == null) {
            throw new BadRequest(404, "no secret named '" + name + "'");
        }
        SubjectPublicKeyInfo key = RequestFields.publicKey(body);
        KeyBinding binding = RequestFields.binding(body);
        Optional<byte[]> nonce = RequestFields.nonce(body);
        SubmittedEvidence evidence = RequestFields.evidence(body);
        if (SecretSealing.suiteFor(key).isEmpty()) {
            throw new BadRequest(400, "field 'publicKey' must be an " + SecretSealing.supportedKeys() + " key");
        }
        Map<String, Object> asked = new LinkedHashMap<>();
        asked.put("secret", name);
        asked.put("binding", binding.wireName());
        nonce.ifPresent(n -> asked.put("nonce", Hex.encode(n)));
        Optional<String> spent = spend(nonce, secret.requireNonce(), "secret '" + name + "'");
        if (spent.isPresent()) {
            record("secret", "refused", client, List.of(spent.get()), asked);
            return refusal(List.of(spent.get()));
        }
        Verdict verdict = verified(evidence, secret.policy(), expectedReportData(binding, nonce, encoded(key)));
        Map<String, Object> facts = facts(verdict);
        facts.putAll(asked);
        if (!verdict.verified()) {
            record("secret", "refused", client, reasons(verdict), facts);
            return refusal(verdict);
        }
        SealedSecret sealed;
        try {
            sealed = SecretSealing.seal(key, name, secret.value());
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, e.getMessage());
        }
        record("secret", "released", client, List.of(), facts);
        ObjectNode out = MAPPER.createObjectNode();
        out.put("name", name);
        out.put("kem", sealed.kem());
        out.put("kdf", sealed.kdf());
        out.put("aead", sealed.aead());
        out.put("enc", Base64.getEncoder().encodeToString(sealed.enc()));
        out.put("ciphertext", Base64.getEncoder().encodeToString(sealed.ciphertext()));
        return new Outcome(200, out);
    }

    /**
     * Spends the request's nonce: empty when it was outstanding (or absent where {@code requireNonce} is false),
     * else the refusal reason. Spending comes before verification, so each nonce buys exactly one verdict and of
     * several requests racing with one nonce only one gets past this point.
     */
    private Optional<String> spend(Optional<byte[]> nonce, boolean requireNonce, String what) {
        if (nonce.isEmpty()) {
            return requireNonce ? Optional.of("nonce: missing; " + what + " requires a nonce from POST /v1/challenge "
                    + "bound with the key into REPORT_DATA") : Optional.empty();
        }
        NonceStore.Refusal refusal = nonces.consume(nonce.get());
        return refusal == null ? Optional.empty() : Optional.of("nonce: " + refusal.reason());
    }

    /** HASH(nonce || key) when the request carries a nonce, else HASH(key) (only where nonces are waived). */
    private static byte[] expectedReportData(KeyBinding binding, Optional<byte[]> nonce, byte[] spki) {
        return nonce.isPresent() ? binding.reportData(nonce.get(), spki) : binding.reportData(spki);
    }

    private Verdict verified(SubmittedEvidence evidence, VerificationPolicy policy, byte[] expectedReportData) {
        return verdictOf(evidence, policy.withReportData(expectedReportData));
    }

    /** SNP reports go through the full chain verification; software evidence has only the policy to meet. */
    private Verdict verdictOf(SubmittedEvidence evidence, VerificationPolicy policy) {
        return switch (evidence) {
            case SubmittedEvidence.Snp snp -> verifier.verify(collateral(snp.evidence(), policy), policy);
            case SubmittedEvidence.Software software -> SoftwareEvidenceVerifier.verify(software.evidence(), policy);
        };
    }

    /** What the certificate says was attested: the SNP claims, or the software claims marked as such. */
    private static List<Extension> attestedExtensions(Verdict verdict, String profile) {
        if (verdict.software().isPresent()) {
            SoftwareEvidence software = verdict.software().get();
            return AttestationExtensions.encodeSoftware(software.measurement(), software.backend(), profile);
        }
        return AttestationExtensions.encode(claims(verdict.report().orElseThrow(), verdict.product().orElseThrow(),
                profile));
    }

    private static byte[] measurement(Verdict verdict) {
        return verdict.software().map(SoftwareEvidence::measurement)
                .orElseGet(() -> verdict.report().orElseThrow().measurement());
    }

    private Evidence collateral(Evidence evidence, VerificationPolicy policy) {
        return kds.map(k -> k.complete(evidence, policy)).orElse(evidence);
    }

    private ServiceConfig.Profile profile(String name) throws BadRequest {
        ServiceConfig.Profile p = config.profiles().get(name);
        if (p == null) {
            throw new BadRequest(404, "no issuance profile named '" + name + "'");
        }
        return p;
    }

    private static boolean csrSignatureVerifies(PKCS10CertificationRequest csr) {
        try {
            return csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()));
        } catch (Exception e) {
            return false; // an unreadable key or unknown algorithm is as good as a bad signature
        }
    }

    private static X500Name subject(ServiceConfig.Profile profile, PKCS10CertificationRequest csr) {
        if (profile.subject().isPresent()) {
            return new X500Name(profile.subject().get());
        }
        X500Name requested = csr.getSubject();
        return requested.getRDNs().length == 0 ? new X500Name("CN=keep") : requested;
    }

    private static AttestationExtensions.Claims claims(AttestationReport report, Product product, String profile) {
        TcbVersion tcb = report.reportedTcb(product.tcbLayout());
        List<Long> tcbValues = new ArrayList<>(List.of(tcb.raw(), (long) tcb.bootloader(), (long) tcb.tee(),
                (long) tcb.snp(), (long) tcb.microcode()));
        if (tcb.hasFmc()) {
            tcbValues.add((long) tcb.fmc());
        }
        return new AttestationExtensions.Claims(report.measurement(), tcbValues, product.kdsName(),
                report.policy().raw(), report.hostData(), report.vmpl(), profile);
    }

    private static Outcome refusal(Verdict verdict) {
        return refusal(reasons(verdict));
    }

    private static Outcome refusal(List<String> reasons) {
        ObjectNode out = MAPPER.createObjectNode();
        out.put("error", "attestation refused");
        reasons.forEach(out.putArray("reasons")::add);
        return new Outcome(403, out);
    }

    private static List<String> reasons(Verdict verdict) {
        return verdict.failures().stream().map(c -> c.name() + ": " + c.detail()).toList();
    }

    private static Map<String, Object> facts(Verdict verdict) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("evidence", verdict.software().isPresent() ? "software" : "sev-snp");
        facts.put("hardwareRoot", verdict.hardwareRoot());
        verdict.software().ifPresent(e -> {
            facts.put("backend", e.backend());
            facts.put("measurement", Hex.encode(e.measurement()));
            facts.put("reportData", Hex.encode(e.reportData()));
        });
        verdict.report().ifPresent(r -> {
            facts.put("measurement", Hex.encode(r.measurement()));
            facts.put("reportData", Hex.encode(r.reportData()));
        });
        verdict.product().ifPresent(p -> facts.put("product", p.kdsName()));
        return facts;
    }

    private void record(String endpoint, String decision, String client, List<String> reasons,
            Map<String, ?> facts) {
        audit.record(endpoint, decision, client, reasons, facts);
        metrics.decision(decision);
    }

    private static byte[] encoded(SubjectPublicKeyInfo key) {
        try {
            return key.getEncoded("DER");
        } catch (IOException e) {
            throw new IllegalStateException("public key cannot be encoded", e);
        }
    }
}
