package dev.keep.attestation.kds;

import static dev.keep.attestation.SnpTestData.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.ReportParser;
import dev.keep.attestation.report.SigningKey;
import dev.keep.attestation.report.TcbLayout;
import dev.keep.attestation.report.TcbVersion;
import dev.keep.attestation.verify.Evidence;
import dev.keep.attestation.verify.ReportVerifier;
import dev.keep.attestation.verify.Verdict;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KDS URLs, and the fetcher with its cache against a loopback HTTP server serving the real certificates. */
class KdsTest {
    private static final String CHIP_2 = "3ac3fe21e13fb0990eb28a802e3fb6a29483a6b0753590c951bdd3b8e53786184ca39e3596"
            + "69a2b76a1936776b564ea464cdce40c05f63c9b610c5068b006b5d";

    @TempDir
    Path cache;

    private HttpServer server;
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private KdsUrls urls;

    @BeforeEach
    void startServer() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().toString();
            requests.add(path);
            byte[] body = served.get(path);
            if (body == null) {
                exchange.sendResponseHeaders(path.contains("ratelimited") ? 429 : 404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        urls = new KdsUrls(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"));
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private KdsClient client() {
        return new KdsClient(HttpClient.newHttpClient(), cache, Duration.ofHours(1), clockAt(VALID_TIME));
    }

    @Test
    void vcekUrlMatchesGoSevGuestExampleForReport2() throws Exception {
        AttestationReport r = ReportParser.parseFileContents(bytes(R2_REPORT));
        URI url = KdsUrls.amd().vcek(Product.MILAN, r.chipId(), r.reportedTcb(TcbLayout.LEGACY));
        assertEquals("https://kdsintf.amd.com/vcek/v1/Milan/" + CHIP_2 + "?blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68",
                url.toString());
    }

    @Test
    void turinVcekUrlHasFmcAndEightByteHwId() {
        byte[] chip = new byte[64];
        System.arraycopy(Hex.decode("hwid", "1e550a8ee5cf9f4d"), 0, chip, 0, 8);
        URI url = KdsUrls.amd().vcek(Product.TURIN, chip, TcbVersion.of(TcbLayout.TURIN, 1, 2, 3, 4, 81));
        assertEquals("https://kdsintf.amd.com/vcek/v1/Turin/1e550a8ee5cf9f4d?fmcSPL=1&blSPL=2&teeSPL=3&snpSPL=4"
                + "&ucodeSPL=81", url.toString());
    }

    @Test
    void chainAndCrlUrlsPerProductAndKey() {
        KdsUrls amd = KdsUrls.amd();
        assertEquals("https://kdsintf.amd.com/vcek/v1/Genoa/cert_chain",
                amd.certChain(Product.GENOA, SigningKey.VCEK).toString());
        assertEquals("https://kdsintf.amd.com/vlek/v1/Milan/cert_chain",
                amd.certChain(Product.MILAN, SigningKey.VLEK).toString());
        assertEquals("https://kdsintf.amd.com/vcek/v1/Turin/crl", amd.crl(Product.TURIN, SigningKey.VCEK).toString());
        assertThrows(IllegalArgumentException.class, () -> amd.crl(Product.TURIN, SigningKey.NONE));
    }

    @Test
    void fetchesOnceThenServesFromDiskCache() throws Exception {
        byte[] vcek = bytes(R2_VCEK);
        AttestationReport r = ReportParser.parseFileContents(bytes(R2_REPORT));
        URI url = urls.vcek(Product.MILAN, r.chipId(), r.reportedTcb(TcbLayout.LEGACY));
        served.put(url.getRawPath() + "?" + url.getRawQuery(), vcek);

        assertArrayEquals(vcek, client().fetchImmutable(url));
        assertTrue(Files.isRegularFile(client().cacheFile(url)));
        server.stop(0); // from now on only the cache can answer
        assertArrayEquals(vcek, client().fetchImmutable(url));
        assertEquals(1, requests.size());
    }

    @Test
    void staleCrlIsFetchedAgain() throws Exception {
        URI crl = urls.crl(Product.MILAN, SigningKey.VCEK);
        served.put("/vcek/v1/Milan/crl", new byte[] {1, 2, 3});
        client().fetchCrl(crl);
        client().fetchCrl(crl);
        assertEquals(1, requests.size(), "fresh CRL served from cache");
        Files.setLastModifiedTime(client().cacheFile(crl),
                java.nio.file.attribute.FileTime.from(VALID_TIME.minus(Duration.ofHours(2))));
        client().fetchCrl(crl);
        assertEquals(2, requests.size(), "stale CRL fetched again");
    }

    @Test
    void httpErrorsAreOneLineKdsExceptions() {
        KdsException notFound = assertThrows(KdsException.class,
                () -> client().fetchImmutable(urls.certChain(Product.GENOA, SigningKey.VCEK)));
        assertTrue(notFound.getMessage().contains("HTTP 404"), notFound.getMessage());
        KdsException limited = assertThrows(KdsException.class, () -> client().fetchImmutable(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ratelimited")));
        assertTrue(limited.getMessage().contains("rate limit"), limited.getMessage());
        server.stop(0);
        KdsException down = assertThrows(KdsException.class,
                () -> client().fetchImmutable(urls.certChain(Product.MILAN, SigningKey.VCEK)));
        assertTrue(down.getMessage().startsWith("cannot fetch"), down.getMessage());
        assertFalse(down.getMessage().contains("\n"));
    }

    @Test
    void collateralFromLoopbackKdsVerifiesReport2() throws Exception {
        served.put("/vcek/v1/Milan/" + CHIP_2 + "?blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68", bytes(R2_VCEK));
        served.put("/vcek/v1/Milan/cert_chain", bytes(MILAN_ASK_ARK));
        Evidence bare = Evidence.builder().report(bytes(R2_REPORT)).build();
        VerificationPolicy policy = VerificationPolicy.builder().allowDebug(true).product(Product.MILAN).build();
        Evidence completed = new KdsCollateral(client(), urls).complete(bare, policy);
        Verdict v = new ReportVerifier(ArkPins.amd(), clockAt(VALID_TIME)).verify(completed, policy);
        assertTrue(v.check("kds.vcek").orElseThrow().passed(), v::toText);
        assertTrue(v.check("kds.certChain").orElseThrow().passed(), v::toText);
        assertTrue(v.check("report.signature").orElseThrow().passed(), v::toText);
        assertTrue(v.check("chain.ark.pin").orElseThrow().passed(), v::toText);
        // No CRL is served: revocation could not be checked online, so the verdict fails closed on that alone.
        assertEquals(List.of("kds.crl"), v.failures().stream().map(c -> c.name()).toList());
    }

    @Test
    void collateralCannotGuessTheProductOfAV2Report() throws Exception {
        Evidence completed = new KdsCollateral(client(), urls).complete(
                Evidence.builder().report(bytes(R2_REPORT)).build(), VerificationPolicy.defaults());
        assertFalse(completed.collateralChecks().get(0).passed());
        assertTrue(completed.collateralChecks().get(0).detail().contains("cannot tell which product"));
        assertTrue(requests.isEmpty());
    }

    @Test
    void vlekIsNeverFetched() throws Exception {
        Evidence completed = new KdsCollateral(client(), urls).complete(
                Evidence.builder().report(bytes(R4_REPORT)).build(), VerificationPolicy.defaults());
        assertEquals("kds.vlek", completed.collateralChecks().get(0).name());
        assertFalse(completed.collateralChecks().get(0).passed());
    }
}
