package dev.keep.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code keep attest verify} on the real reports of ../shared/testdata/snp (see its README). */
class AttestVerifyCommandTest {
    private static final Path SNP = Path.of(System.getProperty("keep.projectRoot"))
            .resolve("../shared/testdata/snp").normalize();
    private static final String TRUSTEE = "confidential-containers-trustee/";
    private static final String MILAN_BUNDLE = TRUSTEE + "deps/verifier/src/snp/milan_ask_ark_asvk.pem";
    /** Inside the validity of every certificate, including report #4's one-year VLEK. */
    private static final String VALID_TIME = "2025-06-01T00:00:00Z";

    @TempDir
    Path temp;

    private record Run(int exit, String out, String err) {
        JsonNode json() throws IOException {
            return new ObjectMapper().readTree(out);
        }

        boolean passed(String check) throws IOException {
            for (JsonNode c : json().get("checks")) {
                if (c.get("name").asText().equals(check)) {
                    return c.get("passed").asBoolean();
                }
            }
            throw new AssertionError("no check " + check + " in " + out);
        }
    }

    private static String file(String relative) {
        return SNP.resolve(relative).toString();
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = new CommandLine(new AttestVerifyCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String[] args(String... parts) {
        return Stream.concat(Stream.of(parts), Stream.of("--offline", "--at", VALID_TIME)).toArray(String[]::new);
    }

    private Path policy(String json) throws IOException {
        Path p = temp.resolve("policy-" + json.hashCode() + ".json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void report1HexVerifiesWithJsonFields() throws IOException {
        Run r = run(args("--report", file("virtee-sev/tests/certs_data/report_milan.hex"),
                "--vcek", file("virtee-sev/tests/certs_data/vcek_milan.der"),
                "--chain", file("virtee-sev/tests/certs_data/cert_chain_milan"), "--json"));
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode j = r.json();
        assertTrue(j.get("verified").asBoolean());
        assertEquals("Milan", j.get("product").asText());
        assertEquals(2, j.get("reportVersion").asInt());
        assertEquals("vcek", j.get("signingKey").asText());
        assertEquals("7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f",
                j.get("measurement").asText());
        JsonNode tcb = j.get("reportedTcb");
        assertEquals(3, tcb.get("bootloader").asInt());
        assertEquals(0, tcb.get("tee").asInt());
        assertEquals(8, tcb.get("snp").asInt());
        assertEquals(115, tcb.get("microcode").asInt());
        assertTrue(j.get("chipId").asText().startsWith("d49554ec717f4e5b"));
        assertEquals("0x30000", j.get("policy").get("raw").asText());
        assertTrue(j.get("checks").size() > 10);
        for (JsonNode c : j.get("checks")) {
            assertTrue(c.get("passed").asBoolean(), c.toString());
            assertFalse(c.get("detail").asText().isBlank());
        }
    }

    @Test
    void report1WithArkOptionAndSeparateAskVerifiesInTextMode() {
        Run r = run(args("--report", file("virtee-sev/tests/certs_data/report_milan.hex"),
                "--vcek", file("virtee-sev/tests/certs_data/vcek_milan.der"),
                "--ark", file("virtee-sev/src/certs/snp/builtin/milan/ark.pem"),
                "--chain", file("virtee-sev/src/certs/snp/builtin/milan/ask.pem")));
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("PASS chain.ark.pin"), r.out());
        assertTrue(r.out().contains("VERIFIED"), r.out());
        assertEquals("", r.err());
    }

    /** The README's verdict for every report, with the policy each needs (debug for #2, VMPL 1 for #4). */
    @Test
    void everyReadmeReportGivesItsVerdict() throws IOException {
        String allowDebug = policy("{\"allowDebug\": true}").toString();
        String vmpl1 = policy("{\"vmpl\": 1}").toString();
        List<String[]> ok = new ArrayList<>();
        ok.add(new String[] {"google-go-sev-guest/verify/testdata/attestation.bin",
            "google-go-sev-guest/verify/testdata/vcek.testcer", "google-go-sev-guest/verify/trust/ask_ark_milan.pem",
            allowDebug});
        ok.add(new String[] {TRUSTEE + "deps/verifier/test_data/snp/test-report.bin",
            TRUSTEE + "deps/verifier/test_data/snp/test-vcek.der", MILAN_BUNDLE, null});
        ok.add(new String[] {TRUSTEE + "deps/verifier/test_data/snp/test-vlek-report.bin",
            TRUSTEE + "deps/verifier/test_data/snp/test-vlek.der", MILAN_BUNDLE, vmpl1});
        ok.add(new String[] {TRUSTEE + "extracted/hcl-report.snp-report.bin",
            TRUSTEE + "deps/verifier/test_data/az-snp-vtpm/vcek.pem", null, null});
        ok.add(new String[] {TRUSTEE + "extracted/evidence-v0.snp-report.bin",
            TRUSTEE + "extracted/evidence-v0.vcek.pem", MILAN_BUNDLE, null});
        ok.add(new String[] {TRUSTEE + "extracted/evidence-genoa.snp-report.bin",
            TRUSTEE + "deps/verifier/test_data/az-snp-vtpm/vcek-genoa.pem",
            TRUSTEE + "deps/verifier/src/snp/genoa_ask_ark_asvk.pem", null});
        for (String[] c : ok) {
            List<String> a = new ArrayList<>(List.of("--report", file(c[0]), "--vcek", file(c[1]), "--json"));
            if (c[2] != null) {
                a.addAll(List.of("--chain", file(c[2])));
            }
            if (c[3] != null) {
                a.addAll(List.of("--policy", c[3]));
            }
            Run r = run(args(a.toArray(String[]::new)));
            assertEquals(0, r.exit(), c[0] + ": " + r.out() + r.err());
        }
        for (String invalid : List.of("test-vcek-invalid-legacy.der", "test-vcek-invalid-new.der")) {
            Run r = run(args("--report", file(TRUSTEE + "deps/verifier/test_data/snp/test-report.bin"),
                    "--vcek", file(TRUSTEE + "deps/verifier/test_data/snp/" + invalid), "--chain", file(MILAN_BUNDLE),
                    "--json"));
            assertEquals(1, r.exit(), invalid);
            assertFalse(r.passed("chain.leaf"));
            assertFalse(r.passed("report.signature"));
            assertFalse(r.passed("leaf.tcb"));
            assertFalse(r.passed("leaf.hwId"));
        }
    }

    @Test
    void debugReportFailsDefaultPolicyWithExit1() throws IOException {
        Run r = run(args("--report", file("google-go-sev-guest/verify/testdata/attestation.bin"),
                "--vcek", file("google-go-sev-guest/verify/testdata/vcek.testcer"),
                "--chain", file("google-go-sev-guest/verify/trust/ask_ark_milan.pem"), "--json"));
        assertEquals(1, r.exit());
        assertFalse(r.json().get("verified").asBoolean());
        assertFalse(r.passed("policy.debug"));
        assertTrue(r.passed("report.signature"));
    }

    @Test
    void wrongReportDataFailsWithExit1AndRightOnePasses() throws IOException {
        String report = file(TRUSTEE + "deps/verifier/test_data/snp/test-report.bin");
        String vcek = file(TRUSTEE + "deps/verifier/test_data/snp/test-vcek.der");
        Run wrong = run(args("--report", report, "--vcek", vcek, "--chain", file(MILAN_BUNDLE),
                "--report-data", "00".repeat(64), "--json"));
        assertEquals(1, wrong.exit());
        assertFalse(wrong.passed("policy.reportData"));
        String actual = wrong.json().get("reportData").asText();
        Run right = run(args("--report", report, "--vcek", vcek, "--chain", file(MILAN_BUNDLE),
                "--report-data", actual));
        assertEquals(0, right.exit(), right.out());
    }

    @Test
    void garbageReportIsAFailedVerdictNotAUsageError() throws IOException {
        Path garbage = temp.resolve("garbage.bin");
        Files.write(garbage, new byte[100]);
        Run r = run(args("--report", garbage.toString(), "--json"));
        assertEquals(1, r.exit());
        assertFalse(r.passed("report.format"));
        assertTrue(r.json().get("checks").get(0).get("detail").asText().contains("truncated"));
    }

    @Test
    void usageErrorsExitWith2AndOneLine() throws IOException {
        String report = file("virtee-sev/tests/certs_data/report_milan.hex");
        assertUsage(run(args("--report", temp.resolve("missing.bin").toString())), "no such file");
        assertUsage(run(args("--report", report, "--vcek", temp.resolve("nope.der").toString())), "no such file");
        assertUsage(run(args("--report", report, "--report-data", "zz")), "not valid hex");
        assertUsage(run(args("--report", report, "--report-data", "abcd")), "64 bytes");
        assertUsage(run(args("--report", report, "--policy", policy("{\"allowDebugg\": true}").toString())),
                "unknown key 'allowDebugg'");
        assertUsage(run("--report", report, "--offline", "--at", "yesterday"), "ISO-8601");
        assertUsage(run("--report", report, "--kds-url", "ftp://x", "--kds-cache", temp.toString()), "http");
        Run missingReport = run("--offline");
        assertEquals(2, missingReport.exit());
        assertTrue(missingReport.err().contains("--report"), missingReport.err());
        assertEquals("", missingReport.out());
    }

    private static void assertUsage(Run r, String expected) {
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    /** Without --offline and --vcek the VCEK comes from KDS; here a loopback server serving the real VCEK. */
    @Test
    void fetchesVcekFromKdsWhenNotSupplied() throws IOException {
        byte[] vcek = Files.readAllBytes(SNP.resolve("virtee-sev/tests/certs_data/vcek_milan.der"));
        byte[] chain = Files.readAllBytes(SNP.resolve("virtee-sev/tests/certs_data/cert_chain_milan"));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<String> requested = new ArrayList<>();
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().toString();
            requested.add(path);
            byte[] body = path.startsWith("/vcek/v1/Milan/d49554ec") ? vcek
                    : path.equals("/vcek/v1/Milan/cert_chain") ? chain : null;
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            Run r = run("--report", file("virtee-sev/tests/certs_data/report_milan.hex"),
                    "--policy", policy("{\"product\": \"Milan\"}").toString(), "--kds-url", base,
                    "--kds-cache", temp.resolve("cache").toString(), "--at", VALID_TIME, "--json");
            assertTrue(r.passed("kds.vcek"), r.out());
            assertTrue(r.passed("kds.certChain"), r.out());
            assertTrue(r.passed("chain.leaf"), r.out());
            assertTrue(r.passed("report.signature"), r.out());
            // The loopback KDS has no CRL: an online verification that cannot check revocation fails closed.
            assertFalse(r.passed("kds.crl"), r.out());
            assertEquals(1, r.exit());
            assertTrue(requested.contains("/vcek/v1/Milan/d49554ec717f4e5b0fe6b143bcf0405bd7ae304727edf46603f2a76"
                    + "aef6a3abc15d7af38db757039029f0efacfd08e244324884738c72b082e2f87a44d541eb6"
                    + "?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115"), requested.toString());
        } finally {
            server.stop(0);
        }
    }
}
