package dev.keep.attestation.client;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keep.attestation.protocol.Challenge;
import dev.keep.attestation.protocol.ClientEvidence;
import dev.keep.attestation.protocol.EvidenceFiles;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.protocol.Pem;
import dev.keep.attestation.protocol.SealedSecret;
import dev.keep.attestation.protocol.SoftwareEvidence;
import dev.keep.attestation.protocol.SecretSealing;
import dev.keep.attestation.report.Hex;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Client of the Keep attestation service (java.net.http). A certificate or secret takes two steps: {@link #challenge()}
 * gives a fresh nonce, the guest obtains a report whose REPORT_DATA is {@link KeyBinding#reportData(byte[], byte[])}
 * of that nonce and its key, and the request sends the evidence with the nonce (each nonce is accepted once). The
 * service answers with a verdict, a certificate chain, or a secret sealed to the caller's key, which this client
 * opens. Thread-safe.
 */
public final class AttestationClient {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final URI base;
    private final HttpClient http;

    public AttestationClient(URI base, HttpClient http) {
        this.base = base;
        this.http = http;
    }

    /** A client trusting the JDK's default CAs (for https) or plain http. */
    public static AttestationClient create(URI base) {
        return new AttestationClient(base, builder().build());
    }

    /** A client that trusts only {@code anchors} for the service's TLS certificate. */
    public static AttestationClient create(URI base, List<X509Certificate> anchors) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < anchors.size(); i++) {
                store.setCertificateEntry("anchor-" + i, anchors.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            return new AttestationClient(base, builder().sslContext(context).build());
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("trust anchors cannot be used: " + e.getMessage());
        }
    }

    private static HttpClient.Builder builder() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10));
    }

    /** GET /health answers 200. */
    public boolean healthy() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/health")).timeout(TIMEOUT)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A fresh single-use nonce from POST /v1/challenge, to bind with the key into REPORT_DATA. */
    public Challenge challenge() throws AttestationException {
        JsonNode answer = post("/v1/challenge", MAPPER.createObjectNode());
        try {
            return new Challenge(Base64.getDecoder().decode(answer.path("nonce").asText()),
                    Instant.parse(answer.path("expires").asText()));
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new AttestationException(200, "the service's challenge is malformed: " + e.getMessage(), List.of());
        }
    }

    /** The verdict JSON (as {@code keep attest verify --json}); nothing is issued. */
    public JsonNode verify(ClientEvidence evidence, Optional<String> profile, Optional<byte[]> reportData)
            throws AttestationException {
        ObjectNode body = MAPPER.createObjectNode();
        body.set("evidence", evidence(evidence));
        profile.ifPresent(p -> body.put("profile", p));
        reportData.ifPresent(d -> body.put("reportData", Hex.encode(d)));
        return post("/v1/verify", body);
    }

    /**
     * A certificate chain for the CSR's key. The report's REPORT_DATA must be {@code binding} of {@code nonce} (from
     * {@link #challenge()}) and that key; an empty nonce means the key-only binding, which the service accepts only
     * for a profile with {@code require_nonce = false}.
     */
    public IssuedCertificate requestCertificate(ClientEvidence evidence, String profile,
            PKCS10CertificationRequest csr, KeyBinding binding, Optional<byte[]> nonce) throws AttestationException {
        ObjectNode body = MAPPER.createObjectNode();
        body.set("evidence", evidence(evidence));
        body.put("profile", profile);
        body.put("csr", Pem.write(csr));
        body.put("binding", binding.wireName());
        nonce.ifPresent(n -> body.put("nonce", Base64.getEncoder().encodeToString(n)));
        JsonNode answer = post("/v1/certificate", body);
        try {
            String pem = answer.path("certificateChain").asText();
            List<X509CertificateHolder> chain = Pem.certificates(pem.getBytes(StandardCharsets.US_ASCII),
                    "the service's certificate chain");
            return new IssuedCertificate(chain, pem, answer.path("serial").asText(),
                    Instant.parse(answer.path("notAfter").asText()));
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new AttestationException(200, "the service's answer is malformed: " + e.getMessage(), List.of());
        }
    }

    /**
     * The named secret, decrypted with {@code key}. The report's REPORT_DATA must be {@code binding} of {@code nonce}
     * and the public key (key only when the nonce is empty, accepted only where the secret has
     * {@code require_nonce = false}).
     */
    public byte[] requestSecret(ClientEvidence evidence, String name, KeyPair key, KeyBinding binding,
            Optional<byte[]> nonce) throws AttestationException {
        ObjectNode body = MAPPER.createObjectNode();
        body.set("evidence", evidence(evidence));
        body.put("publicKey", Base64.getEncoder().encodeToString(key.getPublic().getEncoded()));
        body.put("binding", binding.wireName());
        nonce.ifPresent(n -> body.put("nonce", Base64.getEncoder().encodeToString(n)));
        JsonNode answer = post("/v1/secrets/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"),
                body);
        try {
            SealedSecret sealed = new SealedSecret(answer.path("kem").asInt(), answer.path("kdf").asInt(),
                    answer.path("aead").asInt(), Base64.getDecoder().decode(answer.path("enc").asText()),
                    Base64.getDecoder().decode(answer.path("ciphertext").asText()));
            return SecretSealing.open(key, name, sealed);
        } catch (IllegalArgumentException e) {
            throw new AttestationException(200, "the released secret cannot be opened: " + e.getMessage(),
                    List.of());
        }
    }

    private static ObjectNode evidence(ClientEvidence evidence) {
        return switch (evidence) {
            case EvidenceFiles files -> evidence(files);
            case SoftwareEvidence software -> {
                ObjectNode e = MAPPER.createObjectNode();
                e.putObject("software").put("backend", software.backend())
                        .put("measurement", Hex.encode(software.measurement()))
                        .put("reportData", Hex.encode(software.reportData()));
                yield e;
            }
        };
    }

    private static ObjectNode evidence(EvidenceFiles files) {
        ObjectNode e = MAPPER.createObjectNode();
        Base64.Encoder b64 = Base64.getEncoder();
        e.put("report", b64.encodeToString(files.report()));
        files.vcek().ifPresent(v -> e.put("vcek", b64.encodeToString(v)));
        files.chain().ifPresent(c -> e.put("chain", b64.encodeToString(c)));
        return e;
    }

    private JsonNode post(String path, ObjectNode body) throws AttestationException {
        HttpResponse<byte[]> response;
        URI uri = base.resolve(path);
        try {
            response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(MAPPER.writeValueAsBytes(body))).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            // The JDK's ConnectException for a refused connection carries no message of its own.
            String why = e.getMessage() != null ? e.getMessage()
                    : e instanceof java.net.ConnectException ? "connection refused" : e.getClass().getSimpleName();
            throw new AttestationException(0, "cannot reach the attestation service at " + base + ": " + why,
                    List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AttestationException(0, "interrupted while waiting for the attestation service", List.of());
        }
        JsonNode answer;
        try {
            answer = MAPPER.readTree(response.body());
        } catch (JacksonException e) {
            answer = null;
        } catch (IOException e) {
            answer = null;
        }
        int status = response.statusCode();
        if (status == 200 && answer != null && answer.isObject()) {
            return answer;
        }
        String error = answer != null && answer.has("error") ? answer.get("error").asText()
                : "unexpected answer";
        List<String> reasons = new ArrayList<>();
        if (answer != null) {
            answer.path("reasons").forEach(r -> reasons.add(r.asText()));
        }
        throw new AttestationException(status, "attestation service answered HTTP " + status + ": " + error
                + (reasons.isEmpty() ? "" : " (" + String.join("; ", reasons) + ")"), reasons);
    }
}
