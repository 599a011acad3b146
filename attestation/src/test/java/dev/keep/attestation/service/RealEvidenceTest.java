package dev.keep.attestation.service;

import static dev.keep.attestation.SnpTestData.R1_CHAIN;
import static dev.keep.attestation.SnpTestData.R1_REPORT;
import static dev.keep.attestation.SnpTestData.R1_VCEK;
import static dev.keep.attestation.SnpTestData.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.client.AttestationException;
import dev.keep.attestation.client.Csrs;
import dev.keep.attestation.protocol.EvidenceFiles;
import dev.keep.attestation.protocol.KeyBinding;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real AMD evidence (report #1 of ../shared/testdata/snp) against the real pinned AMD roots at the current time:
 * the verify endpoint passes it, and issuance is refused because its fixed REPORT_DATA binds no key of ours.
 * Also the KDS path, with a loopback stand-in serving AMD's real files and the cache keeping a second fetch local.
 */
class RealEvidenceTest {
    @TempDir
    Path dir;

    /** A version 2 report does not name its product, so the policy does (KDS URLs are per product). */
    private static final String KDS_TOML = "[kds]\nfetch = true\nurl = \"%s\"\ncache = \"kds-cache\"\n"
            + "[verify.policy]\nproduct = \"Milan\"\n";

    @Test
    void realReportVerifiesAndIsNotIssuedAgainstAnUnboundKey() throws Exception {
        try (AttestationServer server = ServiceFixture.start(dir, ServiceFixture.standardToml(), ArkPins.amd(),
                Clock.systemUTC())) {
            AttestationClient client = AttestationClient.create(server.uri());
            EvidenceFiles evidence = EvidenceFiles.of(bytes(R1_REPORT), bytes(R1_VCEK), bytes(R1_CHAIN));
            JsonNode verdict = client.verify(evidence, Optional.of("web"), Optional.empty());
            assertTrue(verdict.path("verified").asBoolean(), verdict.toString());
            assertEquals("vcek", verdict.path("signingKey").asText());
            Optional<byte[]> nonce = Optional.of(client.challenge().nonce());
            AttestationException e = assertThrows(AttestationException.class, () -> client.requestCertificate(
                    evidence, "web", Csrs.create(IssuanceTest.p384(), "CN=x"), KeyBinding.SHA512, nonce));
            assertEquals(403, e.status());
            assertEquals(1, e.reasons().size(), e.reasons()::toString);
            assertTrue(e.reasons().getFirst().startsWith("policy.reportData:"));
        }
    }

    @Test
    void missingVcekAndChainAreFetchedFromKdsAndCached() throws Exception {
        AtomicInteger fetches = new AtomicInteger();
        HttpServer kds = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        kds.createContext("/", exchange -> {
            fetches.incrementAndGet();
            String path = exchange.getRequestURI().getPath();
            byte[] body = path.endsWith("/cert_chain") ? bytes(R1_CHAIN)
                    : path.contains("/vcek/v1/Milan/") && !path.endsWith("/crl") ? bytes(R1_VCEK) : null;
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        kds.start();
        String url = "http://127.0.0.1:" + kds.getAddress().getPort();
        try (AttestationServer server = ServiceFixture.start(dir, ServiceFixture.standardToml()
                + KDS_TOML.formatted(url), ArkPins.amd(), Clock.systemUTC())) {
            AttestationClient client = AttestationClient.create(server.uri());
            EvidenceFiles reportOnly = new EvidenceFiles(bytes(R1_REPORT), Optional.empty(), Optional.empty());
            JsonNode verdict = client.verify(reportOnly, Optional.empty(), Optional.empty());
            assertTrue(passed(verdict, "kds.vcek") && passed(verdict, "kds.certChain"), verdict.toString());
            assertTrue(passed(verdict, "report.signature") && passed(verdict, "chain.leaf"), verdict.toString());
            // The stand-in has no CRL, so the verdict fails on that, as it should: nothing is silently skipped.
            assertFalse(passed(verdict, "kds.crl"));
            int afterFirst = fetches.get();
            client.verify(reportOnly, Optional.empty(), Optional.empty());
            assertEquals(afterFirst + 1, fetches.get(), "only the missing CRL is asked for again; VCEK and chain "
                    + "come from the cache");
        } finally {
            kds.stop(0);
        }
    }

    private static boolean passed(JsonNode verdict, String check) {
        for (JsonNode c : verdict.path("checks")) {
            if (c.path("name").asText().equals(check)) {
                return c.path("passed").asBoolean();
            }
        }
        throw new AssertionError("no check " + check + " in " + verdict);
    }
}
