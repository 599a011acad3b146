package dev.keep.attestation.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keep.attestation.SnpTestData;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.ReportParser;
import java.math.BigInteger;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * Load harness (not a test): full verifications per second and p50/p99 latency of POST /v1/verify with N concurrent
 * clients on loopback, beside a single-thread ECDSA P-384 verify baseline measured in the same run. Uses real
 * report #1 with the real AMD roots, so every request runs the whole chain (3 RSA-PSS + 1 ECDSA P-384) and policy.
 *
 * <pre>./mvnw -q -B -pl attestation test-compile exec:exec -Dexec.executable=java -Dexec.classpathScope=test \
 *   -Dexec.args="-Dkeep.projectRoot=$PWD -cp %classpath dev.keep.attestation.service.VerifyLoadBenchmark 64 15"</pre>
 * Arguments: clients (default 64), measured seconds (default 15; a third as long again is spent warming up).
 */
public final class VerifyLoadBenchmark {
    private VerifyLoadBenchmark() {}

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        byte[] reportFile = SnpTestData.bytes(SnpTestData.R1_REPORT);
        byte[] vcek = SnpTestData.bytes(SnpTestData.R1_VCEK);
        byte[] chain = SnpTestData.bytes(SnpTestData.R1_CHAIN);

        Result baseline = baseline(reportFile, vcek, seconds);

        Path dir = Files.createTempDirectory("keep-attest-bench");
        try (AttestationServer server = ServiceFixture.start(dir, ServiceFixture.standardToml(), ArkPins.amd(),
                Clock.systemUTC())) {
            Base64.Encoder b64 = Base64.getEncoder();
            byte[] body = new ObjectMapper().writeValueAsBytes(java.util.Map.of("profile", "web", "evidence",
                    java.util.Map.of("report", b64.encodeToString(reportFile), "vcek", b64.encodeToString(vcek),
                            "chain", b64.encodeToString(chain))));
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest request = HttpRequest.newBuilder(server.uri().resolve("/v1/verify"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            HttpResponse<String> probe = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (probe.statusCode() != 200 || !probe.body().contains("\"verified\":true")) {
                throw new IllegalStateException("verification does not pass: " + probe.body());
            }
            load(http, request, clients, Math.max(1, seconds / 3)); // warm-up, discarded
            Result served = load(http, request, clients, seconds);

            System.out.printf("%n| measurement (same run) | clients | ops/s | p50 ms | p99 ms |%n");
            System.out.printf("|---|---|---|---|---|%n");
            System.out.printf("| ECDSA P-384 report-signature verify, 1 thread, in-process | 1 | %.0f | %.3f | %.3f |%n",
                    baseline.perSecond(), baseline.p50(), baseline.p99());
            System.out.printf("| POST /v1/verify (full chain + signature + policy), HTTP/1.1 loopback | %d | %.0f | "
                    + "%.2f | %.2f |%n", clients, served.perSecond(), served.p50(), served.p99());
            System.out.printf("%nrequests: %d, failed: %d, cores: %d, java %s%n", served.count(), served.failed(),
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        }
    }

    private record Result(long count, long failed, double perSecond, double p50, double p99) {}

    /** Verifies report #1's signature with its VCEK key in a loop on this thread. */
    private static Result baseline(byte[] reportFile, byte[] vcekDer, int seconds) throws Exception {
        AttestationReport report = ReportParser.parseFileContents(reportFile);
        ECPublicKeyParameters key = (ECPublicKeyParameters) PublicKeyFactory.createKey(
                new X509CertificateHolder(vcekDer).getSubjectPublicKeyInfo());
        byte[] signed = report.signedBytes();
        BigInteger r = littleEndian(report.signatureR());
        BigInteger s = littleEndian(report.signatureS());
        long warmEnd = System.nanoTime() + Math.max(1, seconds / 3) * 1_000_000_000L;
        while (System.nanoTime() < warmEnd) {
            verifyOnce(key, signed, r, s);
        }
        List<Long> latencies = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long now = start;
        while (now < end) {
            verifyOnce(key, signed, r, s);
            long after = System.nanoTime();
            latencies.add(after - now);
            now = after;
        }
        return summarise(latencies.stream().mapToLong(Long::longValue).toArray(), 0, now - start);
    }

    private static void verifyOnce(ECPublicKeyParameters key, byte[] signed, BigInteger r, BigInteger s) {
        SHA384Digest digest = new SHA384Digest();
        digest.update(signed, 0, signed.length);
        byte[] hash = new byte[48];
        digest.doFinal(hash, 0);
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, key);
        if (!verifier.verifySignature(hash, r, s)) {
            throw new IllegalStateException("report #1 signature does not verify");
        }
    }

    private static Result load(HttpClient http, HttpRequest request, int clients, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<long[]> perClient = new ArrayList<>();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<long[]>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                futures.add(pool.submit(() -> {
                    long[] lat = new long[1024];
                    int n = 0;
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        HttpResponse<String> resp = http.send(request, HttpResponse.BodyHandlers.ofString());
                        long t1 = System.nanoTime();
                        if (resp.statusCode() != 200) {
                            failed.incrementAndGet();
                        }
                        if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                        }
                        lat[n++] = t1 - t0;
                    }
                    return Arrays.copyOf(lat, n);
                }));
            }
            for (var f : futures) {
                perClient.add(f.get());
            }
        }
        long elapsed = System.nanoTime() - start;
        long[] all = perClient.stream().flatMapToLong(Arrays::stream).toArray();
        return summarise(all, failed.get(), elapsed);
    }

    private static Result summarise(long[] latencies, long failed, long elapsedNanos) {
        Arrays.sort(latencies);
        double p50 = latencies[(int) (latencies.length * 0.50)] / 1e6;
        double p99 = latencies[Math.min(latencies.length - 1, (int) (latencies.length * 0.99))] / 1e6;
        return new Result(latencies.length, failed, latencies.length / (elapsedNanos / 1e9), p50, p99);
    }

    private static BigInteger littleEndian(byte[] bytes) {
        byte[] be = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            be[i] = bytes[bytes.length - 1 - i];
        }
        return new BigInteger(1, be);
    }
}
