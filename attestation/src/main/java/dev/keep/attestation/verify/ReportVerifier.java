package dev.keep.attestation.verify;

import dev.keep.attestation.cert.AmdCertificate;
import dev.keep.attestation.cert.AmdRole;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.cert.CertificateFormatException;
import dev.keep.attestation.cert.CertificateLoader;
import dev.keep.attestation.cert.CertificatePool;
import dev.keep.attestation.cert.KeyExtensions;
import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.ReportFormatException;
import dev.keep.attestation.report.ReportParser;
import dev.keep.attestation.report.SigningKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.cert.X509CRLHolder;

/**
 * Verifies an SEV-SNP attestation report from supplied files only (no network): report format, AMD certificate
 * chain to a pinned root, report signature, the key's TCB/hwID/product extensions, then the policy. Never throws on
 * bad input: every problem becomes a failed {@link Check} in the returned {@link Verdict}.
 */
public final class ReportVerifier {
    private final ArkPins pins;
    private final Clock clock;

    public ReportVerifier(ArkPins pins, Clock clock) {
        this.pins = pins;
        this.clock = clock;
    }

    /** Verifier trusting AMD's production roots, checking validity at the current time. */
    public static ReportVerifier withAmdRoots() {
        return new ReportVerifier(ArkPins.amd(), Clock.systemUTC());
    }

    /** As {@link #verify(Evidence, VerificationPolicy)}, binding REPORT_DATA to the 64 bytes the caller expects. */
    public Verdict verify(Evidence evidence, VerificationPolicy policy, byte[] expectedReportData) {
        if (expectedReportData == null || expectedReportData.length != 64) {
            return new Verdict(List.of(Check.fail("policy.reportData", "expected REPORT_DATA must be 64 bytes, got "
                    + (expectedReportData == null ? "none" : expectedReportData.length))), Optional.empty(),
                    Optional.empty());
        }
        return verify(evidence, policy.withReportData(expectedReportData));
    }

    public Verdict verify(Evidence evidence, VerificationPolicy policy) {
        List<Check> checks = new ArrayList<>(evidence.collateralChecks());
        try {
            return run(evidence, policy, checks);
        } catch (RuntimeException e) {
            // A defect or unforeseen input; still answer with a failed verdict rather than an exception.
            checks.add(Check.fail("internal", "verification aborted: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().replaceAll("\\s+", " "))));
            return new Verdict(checks, Optional.empty(), Optional.empty());
        }
    }

    private Verdict run(Evidence evidence, VerificationPolicy policy, List<Check> checks) {
        AttestationReport report;
        try {
            report = ReportParser.parseFileContents(evidence.report());
        } catch (ReportFormatException e) {
            checks.add(Check.fail("report.format", e.getMessage()));
            return new Verdict(checks, Optional.empty(), Optional.empty());
        }
        checks.add(Check.pass("report.format", "SNP attestation report version " + report.version()));
        checks.add(report.nonZeroReservedFields().isEmpty()
                ? Check.pass("report.reserved", "all reserved fields are zero")
                : Check.fail("report.reserved", "reserved fields not zero: "
                        + String.join(", ", report.nonZeroReservedFields())));
        checks.add(report.signatureAlgorithm() == 1
                ? Check.pass("report.signatureAlgorithm", "ECDSA P-384 with SHA-384")
                : Check.fail("report.signatureAlgorithm", "SIGNATURE_ALGO " + report.signatureAlgorithm()
                        + " is not 1 (ECDSA P-384 with SHA-384)"));
        SigningKey kind = report.signingKey();
        boolean knownKind = kind == SigningKey.VCEK || kind == SigningKey.VLEK;
        checks.add(knownKind
                ? Check.pass("report.signingKey", "signed by the " + kind)
                : Check.fail("report.signingKey", "SIGNING_KEY is " + kind + "; only VCEK and VLEK signed "
                        + "reports can be verified"));

        CertificatePool pool = loadCertificates(evidence, checks);
        List<X509CRLHolder> crls = loadCrls(evidence, checks);
        AmdRole leafRole = kind == SigningKey.VLEK ? AmdRole.VLEK : AmdRole.VCEK;
        LeafChoice choice = chooseLeaf(pool, leafRole, report);
        Optional<AmdCertificate> leaf = choice.leaf();
        Optional<KeyExtensions> extensions = leaf.map(l -> KeyExtensions.of(l.holder()));

        ProductResolver.Decision decision = ProductResolver.resolve(report, policy, extensions, pool);
        checks.add(decision.check());
        Optional<Product> product = decision.product();

        if (product.isPresent()) {
            checks.addAll(ChainVerification.run(pool, product.get(), leafRole, leaf, pins, clock.instant(), crls));
        }
        checks.add(leaf.map(l -> ReportSignature.check(report, l.holder(), leafRole.name(), choice.signed()))
                .orElseGet(() -> Check.fail(ReportSignature.NAME, "no " + leafRole
                        + " certificate to verify the report signature with")));
        if (leaf.isPresent() && product.isPresent() && knownKind) {
            checks.addAll(EndorsementChecks.checks(report, product.get(), extensions.orElseThrow(), kind));
        }
        checks.addAll(PolicyChecks.checks(report, product, policy));
        return new Verdict(checks, Optional.of(report), product);
    }

    private static CertificatePool loadCertificates(Evidence evidence, List<Check> checks) {
        CertificatePool pool = new CertificatePool();
        for (Evidence.Source source : evidence.certificates()) {
            pool.add(source.name(), source.contents());
        }
        if (!pool.problems().isEmpty()) {
            checks.add(Check.fail("certificates.load", String.join("; ", pool.problems())));
        } else if (pool.all().isEmpty()) {
            checks.add(Check.fail("certificates.load", "no certificates supplied"));
        } else {
            checks.add(Check.pass("certificates.load", "read " + String.join(", ", pool.loadedSources())));
        }
        return pool;
    }

    private static List<X509CRLHolder> loadCrls(Evidence evidence, List<Check> checks) {
        List<X509CRLHolder> crls = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Evidence.Source source : evidence.crls()) {
            try {
                crls.addAll(CertificateLoader.crls(source.contents(), source.name()));
            } catch (CertificateFormatException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            checks.add(Check.fail("crl.load", String.join("; ", problems)));
        }
        return crls;
    }

    /** The leaf certificate to use, and whether the report's signature verifies with its key. */
    private record LeafChoice(Optional<AmdCertificate> leaf, boolean signed) {}

    /** Several leaf certificates may be supplied; prefer the one whose key actually signed the report. */
    private static LeafChoice chooseLeaf(CertificatePool pool, AmdRole role, AttestationReport report) {
        List<AmdCertificate> leaves = pool.withRole(role);
        for (AmdCertificate leaf : leaves) {
            if (ReportSignature.verifies(report, leaf.holder())) {
                return new LeafChoice(Optional.of(leaf), true);
            }
        }
        return new LeafChoice(leaves.stream().findFirst(), false);
    }
}
