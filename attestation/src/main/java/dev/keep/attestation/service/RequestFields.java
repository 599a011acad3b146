package dev.keep.attestation.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keep.attestation.protocol.Challenge;
import dev.keep.attestation.protocol.KeyBinding;
import dev.keep.attestation.protocol.Pem;
import dev.keep.attestation.protocol.SoftwareEvidence;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.verify.Evidence;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Reads the fields of a request body, refusing anything unexpected with a 400 and a reason. Binary fields are
 * base64 (standard alphabet); the CSR is PEM text.
 */
final class RequestFields {
    private RequestFields() {}

    static void onlyKnown(JsonNode body, Set<String> keys) throws BadRequest {
        if (body == null || !body.isObject()) {
            throw new BadRequest(400, "request body must be a JSON object");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!keys.contains(k)) {
                throw new BadRequest(400, "unknown field '" + k + "'");
            }
        }
    }

    /**
     * {"report": b64, "vcek": b64?, "chain": b64?}: the files as the client read them; or {"software": {"backend",
     * "measurement" (hex), "reportData" (hex)}}: evidence without a hardware root, which no other key may accompany.
     */
    static SubmittedEvidence evidence(JsonNode body) throws BadRequest {
        JsonNode e = body.get("evidence");
        if (e == null || !e.isObject()) {
            throw new BadRequest(400, "field 'evidence' (an object with 'report' and optionally 'vcek', 'chain') is "
                    + "required");
        }
        if (e.has("software")) {
            onlyKnown(e, Set.of("software"));
            return new SubmittedEvidence.Software(software(e.get("software")));
        }
        onlyKnown(e, Set.of("report", "vcek", "chain"));
        Evidence.Builder b = Evidence.builder().report(base64(e, "report", "evidence.report").orElseThrow(
                () -> new BadRequest(400, "field 'evidence.report' is required")));
        Optional<byte[]> vcek = base64(e, "vcek", "evidence.vcek");
        if (vcek.isPresent()) {
            b.certificates("evidence.vcek", vcek.get());
        }
        Optional<byte[]> chain = base64(e, "chain", "evidence.chain");
        if (chain.isPresent()) {
            b.certificates("evidence.chain", chain.get());
            if (new String(chain.get(), StandardCharsets.US_ASCII).contains("-----BEGIN X509 CRL-----")) {
                b.crl("evidence.chain", chain.get());
            }
        }
        return new SubmittedEvidence.Snp(b.build());
    }

    private static SoftwareEvidence software(JsonNode s) throws BadRequest {
        if (!s.isObject()) {
            throw new BadRequest(400, "field 'evidence.software' must be an object with 'backend', 'measurement' and "
                    + "'reportData'");
        }
        onlyKnown(s, Set.of("backend", "measurement", "reportData"));
        try {
            return new SoftwareEvidence(requiredText(s, "backend", "evidence.software.backend"),
                    hex(s, "measurement"), hex(s, "reportData"));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, "field 'evidence.software': " + e.getMessage());
        }
    }

    private static byte[] hex(JsonNode s, String key) throws BadRequest {
        String path = "evidence.software." + key;
        return Hex.tryDecode(requiredText(s, key, path)).orElseThrow(() -> new BadRequest(400,
                "field '" + path + "' is not hex"));
    }

    private static String requiredText(JsonNode node, String key, String path) throws BadRequest {
        JsonNode v = node.get(key);
        if (v == null || !v.isTextual()) {
            throw new BadRequest(400, "field '" + path + "' (a string) is required");
        }
        return v.textValue();
    }

    static Optional<String> text(JsonNode body, String key) throws BadRequest {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new BadRequest(400, "field '" + key + "' must be a string");
        }
        return Optional.of(v.textValue());
    }

    static String requiredText(JsonNode body, String key) throws BadRequest {
        return text(body, key).orElseThrow(() -> new BadRequest(400, "field '" + key + "' is required"));
    }

    static KeyBinding binding(JsonNode body) throws BadRequest {
        Optional<String> name = text(body, "binding");
        if (name.isEmpty()) {
            return KeyBinding.SHA512;
        }
        return KeyBinding.fromWireName(name.get()).orElseThrow(() -> new BadRequest(400,
                "field 'binding' must be 'sha512' or 'sha384'"));
    }

    /** The challenge nonce, base64 of exactly 32 bytes, if the request carries one. */
    static Optional<byte[]> nonce(JsonNode body) throws BadRequest {
        Optional<byte[]> nonce = base64(body, "nonce", "nonce");
        if (nonce.isPresent() && nonce.get().length != Challenge.NONCE_BYTES) {
            throw new BadRequest(400, "field 'nonce' must be " + Challenge.NONCE_BYTES + " bytes, got "
                    + nonce.get().length);
        }
        return nonce;
    }

    static Optional<byte[]> reportData(JsonNode body) throws BadRequest {
        Optional<String> hex = text(body, "reportData");
        if (hex.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = Hex.tryDecode(hex.get()).orElseThrow(() -> new BadRequest(400,
                "field 'reportData' is not hex"));
        if (bytes.length != 64) {
            throw new BadRequest(400, "field 'reportData' must be 64 bytes, got " + bytes.length);
        }
        return Optional.of(bytes);
    }

    static PKCS10CertificationRequest csr(JsonNode body) throws BadRequest {
        String pem = requiredText(body, "csr");
        try {
            return Pem.csr(pem.getBytes(StandardCharsets.US_ASCII), "field 'csr'");
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, e.getMessage());
        }
    }

    static SubjectPublicKeyInfo publicKey(JsonNode body) throws BadRequest {
        byte[] der = base64(body, "publicKey", "publicKey").orElseThrow(() -> new BadRequest(400,
                "field 'publicKey' (base64 DER SubjectPublicKeyInfo) is required"));
        try {
            return SubjectPublicKeyInfo.getInstance(der);
        } catch (RuntimeException e) {
            throw new BadRequest(400, "field 'publicKey' is not a DER SubjectPublicKeyInfo");
        }
    }

    private static Optional<byte[]> base64(JsonNode node, String key, String path) throws BadRequest {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isTextual()) {
            throw new BadRequest(400, "field '" + path + "' must be a base64 string");
        }
        try {
            return Optional.of(Base64.getDecoder().decode(v.textValue().replaceAll("\\s", "")));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(400, "field '" + path + "' is not base64");
        }
    }
}
