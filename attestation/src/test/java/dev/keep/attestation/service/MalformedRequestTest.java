package dev.keep.attestation.service;

import static dev.keep.attestation.SnpTestData.VALID_TIME;
import static dev.keep.attestation.SnpTestData.clockAt;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.client.Csrs;
import dev.keep.attestation.protocol.Pem;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed requests over real HTTP: each is answered with a 4xx and a JSON reason, nothing is issued or released,
 * and the service stays healthy and still issues to a good request afterwards.
 */
class MalformedRequestTest {
    @TempDir
    static Path dir;
    private static SyntheticSnp snp;
    private static AttestationServer server;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static String validBody;

    @BeforeAll
    static void start() throws Exception {
        snp = new SyntheticSnp();
        server = ServiceFixture.start(dir, ServiceFixture.standardToml(), snp.pins(), clockAt(VALID_TIME));
        KeyPair key = IssuanceTest.p384();
        Attested a = Attested.fresh(snp, AttestationClient.create(server.uri()), key);
        byte[] report = a.evidence().report();
        Base64.Encoder b64 = Base64.getEncoder();
        validBody = new ObjectMapper().createObjectNode().put("profile", "web")
                .put("nonce", b64.encodeToString(a.nonce()))
                .put("csr", Pem.write(Csrs.create(key, "CN=x")))
                .set("evidence", new ObjectMapper().createObjectNode().put("report", b64.encodeToString(report))
                        .put("vcek", b64.encodeToString(snp.pki.vcek.getEncoded()))
                        .put("chain", b64.encodeToString(snp.chainPem()))).toString();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> send(String method, String path, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertAnswer(int status, String reasonPart, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode json = new ObjectMapper().readTree(r.body());
        assertTrue(json.path("error").asText().contains(reasonPart), r.body());
    }

    @Test
    void everyMalformedRequestIsA4xxAndNothingIsIssued() throws Exception {
        String json = "application/json";
        byte[] tooBig = new byte[200_000];
        Arrays.fill(tooBig, (byte) ' ');
        byte[] garbage = new byte[4096];
        new Random(8).nextBytes(garbage);

        assertAnswer(413, "exceeds the limit", send("POST", "/v1/certificate", json, tooBig));
        assertAnswer(400, "not valid JSON", send("POST", "/v1/certificate", json, garbage));
        assertAnswer(400, "not valid JSON", send("POST", "/v1/verify", json, "{\"evidence\":".getBytes()));
        assertAnswer(400, "not valid JSON", send("POST", "/v1/verify", json, "{} trailing".getBytes()));
        assertAnswer(400, "must be a JSON object", send("POST", "/v1/certificate", json, "[1,2]".getBytes()));
        assertAnswer(400, "must be a JSON object", send("POST", "/v1/certificate", json, new byte[0]));
        assertAnswer(415, "application/json", send("POST", "/v1/certificate", "text/plain",
                validBody.getBytes(StandardCharsets.UTF_8)));
        assertAnswer(415, "application/json", send("POST", "/v1/secrets/db-password", null,
                validBody.getBytes(StandardCharsets.UTF_8)));
        assertAnswer(405, "not allowed", send("GET", "/v1/certificate", null, null));
        assertAnswer(405, "not allowed", send("PUT", "/v1/secrets/db-password", json, "{}".getBytes()));
        assertAnswer(405, "not allowed", send("DELETE", "/health", null, null));
        assertAnswer(404, "no such endpoint", send("POST", "/v1/certificates/x", json, "{}".getBytes()));
        assertAnswer(400, "unknown field 'admin'", send("POST", "/v1/certificate", json,
                validBody.replace("{\"profile\"", "{\"admin\":true,\"profile\"").getBytes(StandardCharsets.UTF_8)));
        assertAnswer(400, "evidence.report' is not base64", send("POST", "/v1/certificate", json,
                validBody.replaceFirst("\"report\":\"", "\"report\":\"!!").getBytes(StandardCharsets.UTF_8)));
        assertAnswer(400, "field 'csr' is not valid PEM", send("POST", "/v1/certificate", json,
                validBody.replaceFirst("CERTIFICATE REQUEST", "CERTIFICATE").getBytes(StandardCharsets.UTF_8)));
        assertAnswer(400, "field 'csr' is required", send("POST", "/v1/certificate", json,
                "{\"profile\":\"web\",\"evidence\":{\"report\":\"AA==\"}}".getBytes()));
        assertAnswer(400, "field 'binding'", send("POST", "/v1/certificate", json,
                validBody.replace("{\"profile\"", "{\"binding\":\"md5\",\"profile\"").getBytes()));
        assertAnswer(400, "'publicKey' is not a DER", send("POST", "/v1/secrets/db-password", json,
                "{\"publicKey\":\"AAAA\",\"evidence\":{\"report\":\"AA==\"}}".getBytes()));
        assertAnswer(400, "field 'nonce' must be 32 bytes", send("POST", "/v1/certificate", json,
                validBody.replaceFirst("\"nonce\":\"[^\"]*\"", "\"nonce\":\"AAAA\"").getBytes()));
        assertAnswer(400, "field 'nonce' is not base64", send("POST", "/v1/certificate", json,
                validBody.replaceFirst("\"nonce\":\"", "\"nonce\":\"%").getBytes()));
        assertAnswer(400, "unknown field 'ttl'", send("POST", "/v1/challenge", json, "{\"ttl\":9}".getBytes()));
        assertAnswer(405, "not allowed", send("GET", "/v1/challenge", null, null));
        assertEquals(400, rawRequest("GARBAGE\r\n\r\n").status);

        assertEquals(0, server.service().metrics().decisions("issued"));
        assertEquals(0, server.service().metrics().decisions("released"));
        assertTrue(AuditLines.lines(dir).stream().filter(l -> l.path("decision").asText().equals("rejected"))
                .count() >= 21);
        assertTrue(AttestationClient.create(server.uri()).healthy());
        HttpResponse<String> good = send("POST", "/v1/certificate", json, validBody.getBytes(StandardCharsets.UTF_8));
        assertEquals(200, good.statusCode(), good.body());
        assertEquals(1, server.service().metrics().decisions("issued"));
    }

    @Test
    void declaredOversizedBodyIsRefusedBeforeReading() throws Exception {
        Raw r = rawRequest("POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 999999999\r\n\r\n{");
        assertEquals(413, r.status, r.text);
        assertTrue(AttestationClient.create(server.uri()).healthy());
    }

    @Test
    void healthAndMetricsAnswer() throws Exception {
        HttpResponse<String> health = send("GET", "/health", null, null);
        assertEquals(200, health.statusCode());
        assertEquals("ok", new ObjectMapper().readTree(health.body()).path("status").asText());
        send("POST", "/v1/verify", "application/json", "{}".getBytes());
        HttpResponse<String> metrics = send("GET", "/metrics", null, null);
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        assertTrue(metrics.body().contains("keep_attest_requests_total{route=\"verify\",status=\"400\"}"),
                metrics.body());
        assertTrue(metrics.body().contains("keep_attest_request_seconds_count{route=\"health\"}"), metrics.body());
        HttpResponse<String> ca = send("GET", "/v1/ca", null, null);
        assertEquals(server.service().ca().certificate(),
                Pem.certificates(ca.body().getBytes(StandardCharsets.US_ASCII), "ca").getFirst());
    }

    private record Raw(int status, String text) {}

    private static Raw rawRequest(String request) throws Exception {
        URI uri = server.uri();
        try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = new byte[12];
            int n = in.readNBytes(head, 0, 12);
            String text = new String(head, 0, n, StandardCharsets.ISO_8859_1);
            return new Raw(Integer.parseInt(text.substring(9, 12)), text);
        }
    }
}
