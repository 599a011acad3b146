package dev.keep.attestation.service;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keep.attestation.protocol.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Routes requests, enforces method, content type and body size, turns bodies into JSON and answers with JSON.
 * A blocking handler: Jetty runs it on a virtual thread, so reading the body and verifying simply block.
 * Every refusal at this level is a 4xx with {"error": reason} and is audited as "rejected"; nothing here can
 * issue anything, and an unexpected failure is a 500 that names no internals.
 */
final class ServiceHandler extends Handler.Abstract {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String JSON = "application/json";
    private static final String SECRETS = "/v1/secrets/";

    private final AttestationService service;
    /** How much of a refused body is still read so that the refusal reaches the client. */
    private static final long DRAIN_LIMIT = 16L << 20;

    private final int maxBody;

    ServiceHandler(AttestationService service, int maxBody) {
        this.service = service;
        this.maxBody = maxBody;
    }

    /** An answer; {@code header}/{@code headerValue} is one extra header (Allow, Retry-After) or null. */
    private record Answer(int status, String contentType, byte[] body, HttpHeader header, String headerValue) {
        static Answer json(int status, Object body) {
            try {
                return new Answer(status, JSON, MAPPER.writeValueAsBytes(body), null, null);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("answer cannot be written", e);
            }
        }

        static Answer error(int status, String message) {
            return json(status, Map.of("error", message));
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long start = System.nanoTime();
        String path = request.getHttpURI().getPath();
        String route = route(path);
        Answer answer;
        try {
            answer = answer(request, path, route);
        } catch (RuntimeException e) {
            // A defect, or the audit log could not be written: refuse without saying more than that.
            answer = Answer.error(500, "internal error");
        }
        service.metrics().request(route, answer.status(), System.nanoTime() - start);
        response.setStatus(answer.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        if (answer.header() != null) {
            response.getHeaders().put(answer.header(), answer.headerValue());
        }
        response.write(true, ByteBuffer.wrap(answer.body()), callback);
        return true;
    }

    private static String route(String path) {
        if (path == null) {
            return "unknown";
        }
        return switch (path) {
            case "/health" -> "health";
            case "/metrics" -> "metrics";
            case "/v1/ca" -> "ca";
            case "/v1/verify" -> "verify";
            case "/v1/certificate" -> "certificate";
            case "/v1/challenge" -> "challenge";
            default -> path.startsWith(SECRETS) && path.length() > SECRETS.length()
                    && path.indexOf('/', SECRETS.length()) < 0 ? "secret" : "unknown";
        };
    }

    private Answer answer(Request request, String path, String route) {
        String method = request.getMethod();
        String client = Request.getRemoteAddr(request);
        boolean get = route.equals("health") || route.equals("metrics") || route.equals("ca");
        if (route.equals("unknown")) {
            return Answer.error(404, "no such endpoint: " + path);
        }
        if (get != method.equals("GET") || (!get && !method.equals("POST"))) {
            String allowed = get ? "GET" : "POST";
            service.rejected(route, client, "method " + method + " not allowed");
            return new Answer(405, JSON, ("{\"error\":\"method " + method.replaceAll("[^A-Za-z]", "")
                    + " not allowed; use " + allowed + "\"}").getBytes(StandardCharsets.UTF_8), HttpHeader.ALLOW,
                    allowed);
        }
        switch (route) {
            case "health":
                return Answer.json(200, Map.of("status", "ok"));
            case "metrics":
                return new Answer(200, "text/plain; version=0.0.4; charset=utf-8",
                        (service.metrics().render() + nonceGauge()).getBytes(StandardCharsets.UTF_8), null, null);
            case "ca":
                return new Answer(200, "application/x-pem-file",
                        Pem.write(service.ca().certificate()).getBytes(StandardCharsets.US_ASCII), null, null);
            default:
                break;
        }
        try {
            if (route.equals("challenge")) {
                return challenge(request, client);
            }
            JsonNode body = body(request);
            AttestationService.Outcome outcome = switch (route) {
                case "verify" -> service.verify(body, client);
                case "certificate" -> service.issue(body, client);
                default -> service.releaseSecret(path.substring(SECRETS.length()), body, client);
            };
            return Answer.json(outcome.status(), outcome.body());
        } catch (BadRequest e) {
            service.rejected(route, client, e.getMessage());
            return Answer.error(e.status(), e.getMessage());
        }
    }

    /**
     * POST /v1/challenge takes no parameters: an empty body, or the JSON object {} for clients that always send
     * one. A full nonce store is a 503 with Retry-After (the whole service is saturated, not this client).
     */
    private Answer challenge(Request request, String client) throws BadRequest {
        if (request.getLength() != 0) {
            RequestFields.onlyKnown(body(request), Set.of());
        }
        try {
            return Answer.json(200, service.challenge(client).body());
        } catch (NonceStore.Full e) {
            Answer full = Answer.error(503, e.getMessage());
            return new Answer(503, full.contentType(), full.body(), HttpHeader.RETRY_AFTER,
                    Long.toString(e.retryAfterSeconds()));
        }
    }

    private String nonceGauge() {
        return "# HELP keep_attest_nonces_outstanding Challenge nonces issued and not yet used or expired.\n"
                + "# TYPE keep_attest_nonces_outstanding gauge\n"
                + "keep_attest_nonces_outstanding " + service.nonces().outstanding() + "\n";
    }

    /**
     * Reads and discards what is left of a refused body, up to a bound. Closing the connection with
     * unread bytes makes the kernel reset it, and the client would then lose the 413 answer itself.
     * A body declared larger than the bound is refused at once, without reading it.
     */
    private static void drain(InputStream in) throws IOException {
        long left = DRAIN_LIMIT;
        byte[] buffer = new byte[8192];
        for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) > 0; ) {
            left -= n;
        }
    }

    private JsonNode body(Request request) throws BadRequest {
        String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        String mime = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!mime.equals(JSON)) {
            throw new BadRequest(415, "content type must be application/json, got '"
                    + (type == null ? "none" : type.replaceAll("[^\\x20-\\x7e]", "?")) + "'");
        }
        long declared = request.getLength();
        byte[] bytes;
        try (InputStream in = Request.asInputStream(request)) {
            if (declared > maxBody) {
                if (declared <= DRAIN_LIMIT) {
                    drain(in);
                }
                throw new BadRequest(413, "body of " + declared + " bytes exceeds the limit of " + maxBody);
            }
            bytes = in.readNBytes(maxBody + 1);
            if (bytes.length > maxBody) {
                drain(in);
                throw new BadRequest(413, "body exceeds the limit of " + maxBody + " bytes");
            }
        } catch (IOException e) {
            throw new BadRequest(400, "body cannot be read: " + e.getMessage());
        }
        try {
            return MAPPER.readTree(bytes);
        } catch (JacksonException e) {
            throw new BadRequest(400, "body is not valid JSON");
        } catch (IOException e) {
            throw new BadRequest(400, "body cannot be read: " + e.getMessage());
        }
    }
}
