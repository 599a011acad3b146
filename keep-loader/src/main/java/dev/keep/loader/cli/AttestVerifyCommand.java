package dev.keep.loader.cli;

import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.kds.KdsClient;
import dev.keep.attestation.kds.KdsCollateral;
import dev.keep.attestation.kds.KdsUrls;
import dev.keep.attestation.policy.PolicyException;
import dev.keep.attestation.policy.PolicyLoader;
import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.verify.Evidence;
import dev.keep.attestation.verify.ReportVerifier;
import dev.keep.attestation.verify.Verdict;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code keep attest verify}: verifies an SEV-SNP attestation report against AMD's certificate chain (pinned
 * roots) and a policy. Exit 0 when every check passes, 1 when verification fails, 2 for usage errors.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Verify an SEV-SNP attestation report: AMD certificate chain, signature, TCB, policy.")
public final class AttestVerifyCommand implements Callable<Integer> {
    static final int VERIFIED = 0;
    static final int NOT_VERIFIED = 1;
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Option(names = "--report", required = true, paramLabel = "FILE",
            description = "Attestation report: 1184 raw bytes or hex text.")
    Path report;

    @Option(names = "--vcek", paramLabel = "FILE",
            description = "VCEK or VLEK certificate, DER or PEM (a PEM may also hold the ASK and ARK).")
    Path vcek;

    @Option(names = "--chain", paramLabel = "FILE",
            description = "PEM bundle with the ASK (or ASVK) and the ARK, in any order; may also hold CRLs.")
    Path chain;

    @Option(names = "--ark", paramLabel = "FILE",
            description = "An AMD root certificate; used only if it matches the pinned fingerprint. Repeatable.")
    List<Path> arks = new ArrayList<>();

    @Option(names = "--policy", paramLabel = "FILE", description = "Verification policy (JSON).")
    Path policyFile;

    @Option(names = "--report-data", paramLabel = "HEX",
            description = "Expected REPORT_DATA: 64 bytes as 128 hex digits.")
    String reportData;

    @Option(names = "--offline", description = "Use only the files given; never contact AMD KDS.")
    boolean offline;

    @Option(names = "--json", description = "Print the verdict as JSON.")
    boolean json;

    @Option(names = "--kds-url", hidden = true, paramLabel = "URL",
            description = "Base URL of the AMD Key Distribution Service (tests point it at a local server).")
    String kdsUrl = KdsUrls.AMD_KDS.toString();

    @Option(names = "--kds-cache", hidden = true, paramLabel = "DIR", description = "KDS download cache folder.")
    Path kdsCache;

    @Option(names = "--at", hidden = true, paramLabel = "INSTANT",
            description = "Check certificate validity at this ISO-8601 instant instead of now.")
    String at;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            VerificationPolicy policy = policy();
            Evidence evidence = evidence();
            if (!offline) {
                evidence = collateral().complete(evidence, policy);
            }
            Verdict verdict = new ReportVerifier(ArkPins.amd(), clock()).verify(evidence, policy);
            out.print(json ? verdict.toJson() + "\n" : verdict.toText());
            out.flush();
            return verdict.verified() ? VERIFIED : NOT_VERIFIED;
        } catch (UsageProblem e) {
            err.println("keep attest verify: " + e.getMessage());
            err.flush();
            return USAGE;
        }
    }

    private VerificationPolicy policy() throws UsageProblem {
        VerificationPolicy policy;
        try {
            policy = policyFile == null ? VerificationPolicy.defaults() : PolicyLoader.load(policyFile);
        } catch (PolicyException e) {
            throw new UsageProblem(e.getMessage());
        }
        if (reportData != null) {
            byte[] expected = Hex.tryDecode(reportData).orElseThrow(
                    () -> new UsageProblem("--report-data is not valid hex"));
            if (expected.length != 64) {
                throw new UsageProblem("--report-data must be 64 bytes (128 hex digits), got " + expected.length
                        + " bytes");
            }
            policy = policy.withReportData(expected);
        }
        return policy;
    }

    private Evidence evidence() throws UsageProblem {
        Evidence.Builder b = Evidence.builder().report(read("--report", report));
        if (vcek != null) {
            b.certificates(vcek.toString(), read("--vcek", vcek));
        }
        if (chain != null) {
            byte[] contents = read("--chain", chain);
            b.certificates(chain.toString(), contents);
            if (new String(contents, StandardCharsets.US_ASCII).contains("-----BEGIN X509 CRL-----")) {
                b.crl(chain.toString(), contents);
            }
        }
        for (Path ark : arks) {
            b.certificates(ark.toString(), read("--ark", ark));
        }
        return b.build();
    }

    private KdsCollateral collateral() throws UsageProblem {
        URI base;
        try {
            base = new URI(kdsUrl);
        } catch (URISyntaxException e) {
            throw new UsageProblem("--kds-url is not a URL: " + kdsUrl);
        }
        if (base.getScheme() == null || !(base.getScheme().equals("https") || base.getScheme().equals("http"))) {
            throw new UsageProblem("--kds-url must be an http(s) URL: " + kdsUrl);
        }
        Path cache = kdsCache != null ? kdsCache : KdsClient.defaultCacheDir();
        return new KdsCollateral(KdsClient.create(cache), new KdsUrls(base));
    }

    private Clock clock() throws UsageProblem {
        if (at == null) {
            return Clock.systemUTC();
        }
        try {
            return Clock.fixed(Instant.parse(at), ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            throw new UsageProblem("--at is not an ISO-8601 instant (like 2025-06-01T00:00:00Z): " + at);
        }
    }

    private static byte[] read(String option, Path file) throws UsageProblem {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new UsageProblem(option + " " + file + ": no such file");
        } catch (IOException e) {
            throw new UsageProblem(option + " " + file + ": cannot be read (" + e.getMessage() + ")");
        }
    }
}
