package dev.keep.attestation.verify;

import dev.keep.attestation.protocol.SoftwareEvidence;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.Product;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of verifying one piece of evidence: every check that ran, and either the SNP report (when it could be
 * parsed) with the product it was verified as, or the software evidence (no hardware root) it was about. Verified
 * means at least one check ran and all of them passed.
 */
public final class Verdict {
    private final List<Check> checks;
    private final Optional<AttestationReport> report;
    private final Optional<Product> product;
    private final Optional<SoftwareEvidence> software;

    Verdict(List<Check> checks, Optional<AttestationReport> report, Optional<Product> product) {
        this(checks, report, product, Optional.empty());
    }

    Verdict(List<Check> checks, Optional<AttestationReport> report, Optional<Product> product,
            Optional<SoftwareEvidence> software) {
        this.checks = List.copyOf(checks);
        this.report = report;
        this.product = product;
        this.software = software;
    }

    public boolean verified() {
        return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
    }

    public List<Check> checks() {
        return checks;
    }

    public List<Check> failures() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }

    /** The check with this name, if it ran. */
    public Optional<Check> check(String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public Optional<AttestationReport> report() {
        return report;
    }

    public Optional<Product> product() {
        return product;
    }

    /** The software evidence verified, when it was that rather than an SNP report. */
    public Optional<SoftwareEvidence> software() {
        return software;
    }

    /** False for software evidence: nothing but the sender vouches for what it says. */
    public boolean hardwareRoot() {
        return software.isEmpty();
    }

    /** JSON with verified, product, reportVersion, signingKey, measurement, reportedTcb, chipId, policy, checks. */
    public String toJson() {
        return VerdictJson.render(this);
    }

    /** One line per check, then a summary line. */
    public String toText() {
        StringBuilder out = new StringBuilder();
        for (Check c : checks) {
            out.append(c.passed() ? "PASS " : "FAIL ").append(c.name()).append(": ").append(c.detail()).append('\n');
        }
        out.append(verified() ? "VERIFIED" : "NOT VERIFIED (" + failures().size() + " of " + checks.size()
                + " checks failed)");
        report.ifPresent(r -> out.append(": SNP report v").append(r.version())
                .append(product.map(p -> ", " + p.kdsName()).orElse(""))
                .append(", ").append(r.signingKey().lowerName()));
        software.ifPresent(e -> out.append(": software evidence from the ").append(e.backend())
                .append(" backend, NO hardware root"));
        return out.append('\n').toString();
    }
}
