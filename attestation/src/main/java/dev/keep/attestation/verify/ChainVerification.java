package dev.keep.attestation.verify;

import dev.keep.attestation.cert.AmdCertificate;
import dev.keep.attestation.cert.AmdRole;
import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.cert.CertificateChecks;
import dev.keep.attestation.cert.CertificatePool;
import dev.keep.attestation.report.Product;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.bouncycastle.cert.X509CRLHolder;

/**
 * Checks ARK -> ASK (or ASVK) -> VCEK (or VLEK) for one product: the ARK must match its pin and sign itself, each
 * link must carry a valid RSASSA-PSS signature, every certificate must be within its validity period, and none
 * may be revoked by a supplied CRL. Each link is checked directly rather than by PKIX path building, because AMD's
 * VCEKs (serial 0, no key usage) do not satisfy a generic PKIX validator.
 */
final class ChainVerification {
    static final String ARK_PIN = "chain.ark.pin";
    static final String ARK_SELF = "chain.ark.selfSigned";
    static final String INTERMEDIATE = "chain.intermediate";
    static final String LEAF = "chain.leaf";
    static final String VALIDITY = "chain.validity";
    static final String CRL = "chain.crl";

    private final List<Check> checks = new ArrayList<>();

    private ChainVerification() {}

    /**
     * Runs the chain checks for {@code leaf} (which may be absent) and returns them in order.
     *
     * @param leafRole VCEK or VLEK, as the report's SIGNING_KEY says
     */
    static List<Check> run(CertificatePool pool, Product product, AmdRole leafRole, Optional<AmdCertificate> leaf,
            ArkPins pins, Instant at, List<X509CRLHolder> crls) {
        ChainVerification v = new ChainVerification();
        Optional<AmdCertificate> ark = v.ark(pool, product, pins);
        AmdRole intermediateRole = leafRole == AmdRole.VLEK ? AmdRole.ASVK : AmdRole.ASK;
        Optional<AmdCertificate> intermediate = v.intermediate(pool, product, intermediateRole, ark, leafRole);
        v.leaf(leafRole, leaf, intermediate, intermediateRole, product, pool);
        v.validity(List.of(ark, intermediate, leaf), at);
        if (!crls.isEmpty()) {
            v.revocation(crls, ark, intermediate, leaf, at);
        }
        return v.checks;
    }

    private Optional<AmdCertificate> ark(CertificatePool pool, Product product, ArkPins pins) {
        String cn = "ARK-" + product.kdsName();
        List<AmdCertificate> candidates = pool.withRole(AmdRole.ARK, product);
        if (candidates.isEmpty()) {
            String others = pool.withRole(AmdRole.ARK).stream().map(AmdCertificate::commonName)
                    .collect(Collectors.joining(", "));
            checks.add(Check.fail(ARK_PIN, "no " + cn + " certificate supplied" + (others.isEmpty() ? ""
                    : " (found " + others + ")")));
            return Optional.empty();
        }
        Optional<String> pin = pins.pin(product);
        if (pin.isEmpty()) {
            checks.add(Check.fail(ARK_PIN, "no pinned root for " + product.kdsName()));
            return Optional.empty();
        }
        Optional<AmdCertificate> pinned = candidates.stream().filter(c -> pins.matches(product, c)).findFirst();
        if (pinned.isEmpty()) {
            AmdCertificate bad = candidates.get(0);
            checks.add(Check.fail(ARK_PIN, cn + " from " + bad.source() + " has SHA-256 " + bad.sha256()
                    + ", not the pinned " + pin.get()));
            return Optional.empty();
        }
        checks.add(Check.pass(ARK_PIN, cn + " matches pinned SHA-256 " + pin.get()));
        Optional<String> selfProblem = CertificateChecks.pssSignatureProblem(pinned.get().holder(),
                pinned.get().holder());
        checks.add(selfProblem.isEmpty()
                ? Check.pass(ARK_SELF, cn + " is self-signed (RSASSA-PSS)")
                : Check.fail(ARK_SELF, cn + ": " + selfProblem.get()));
        return pinned;
    }

    private Optional<AmdCertificate> intermediate(CertificatePool pool, Product product, AmdRole role,
            Optional<AmdCertificate> ark, AmdRole leafRole) {
        String cn = (role == AmdRole.ASVK ? "SEV-VLEK-" : "SEV-") + product.kdsName();
        String label = role.name() + " " + cn;
        List<AmdCertificate> candidates = pool.withRole(role, product);
        if (candidates.isEmpty()) {
            String why = leafRole == AmdRole.VLEK
                    ? "a VLEK needs the ASVK (" + cn + ") and none was supplied"
                    : "no ASK (" + cn + ") supplied";
            checks.add(Check.fail(INTERMEDIATE, why));
            return Optional.empty();
        }
        if (ark.isEmpty()) {
            checks.add(Check.fail(INTERMEDIATE, label + " cannot be checked without a pinned ARK"));
            return Optional.of(candidates.get(0));
        }
        String firstProblem = null;
        for (AmdCertificate candidate : candidates) {
            Optional<String> problem = CertificateChecks.pssSignatureProblem(candidate.holder(), ark.get().holder());
            if (problem.isEmpty()) {
                checks.add(Check.pass(INTERMEDIATE, label + " is signed by ARK-" + product.kdsName()));
                return Optional.of(candidate);
            }
            if (firstProblem == null) {
                firstProblem = problem.get();
            }
        }
        checks.add(Check.fail(INTERMEDIATE, label + " is not signed by the pinned ARK: " + firstProblem));
        return Optional.of(candidates.get(0));
    }

    private void leaf(AmdRole leafRole, Optional<AmdCertificate> leaf, Optional<AmdCertificate> intermediate,
            AmdRole intermediateRole, Product product, CertificatePool pool) {
        if (leaf.isEmpty()) {
            AmdRole other = leafRole == AmdRole.VCEK ? AmdRole.VLEK : AmdRole.VCEK;
            String hint = pool.first(other).isPresent() ? " (a " + other + " was supplied, but the report says it is "
                    + "signed by the " + leafRole + ")" : "";
            checks.add(Check.fail(LEAF, "no " + leafRole + " certificate (CN SEV-" + leafRole + ") supplied" + hint));
            return;
        }
        if (intermediate.isEmpty()) {
            checks.add(Check.fail(LEAF, leafRole + " cannot be checked without the " + intermediateRole));
            return;
        }
        Optional<String> problem = CertificateChecks.pssSignatureProblem(leaf.get().holder(),
                intermediate.get().holder());
        String signer = intermediate.get().commonName();
        checks.add(problem.isEmpty()
                ? Check.pass(LEAF, leafRole + " from " + leaf.get().source() + " is signed by " + signer)
                : Check.fail(LEAF, leafRole + " from " + leaf.get().source() + " is not signed by " + signer + ": "
                        + problem.get()));
    }

    private void validity(List<Optional<AmdCertificate>> chain, Instant at) {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Optional<AmdCertificate> cert : chain) {
            if (cert.isPresent()) {
                checked++;
                CertificateChecks.validityProblem(cert.get().holder(), at)
                        .ifPresent(p -> problems.add(cert.get().commonName() + " " + p));
            }
        }
        if (checked == 0) {
            checks.add(Check.fail(VALIDITY, "no certificates to check"));
        } else {
            checks.add(problems.isEmpty()
                    ? Check.pass(VALIDITY, checked + " certificate(s) valid at " + at)
                    : Check.fail(VALIDITY, String.join("; ", problems) + " (checked at " + at + ")"));
        }
    }

    private void revocation(List<X509CRLHolder> crls, Optional<AmdCertificate> ark,
            Optional<AmdCertificate> intermediate, Optional<AmdCertificate> leaf, Instant at) {
        List<String> problems = new ArrayList<>();
        int used = 0;
        for (X509CRLHolder crl : crls) {
            Optional<AmdCertificate> issuer = ark.filter(a -> crl.getIssuer().equals(a.holder().getSubject()));
            Optional<AmdCertificate> covered = intermediate;
            if (issuer.isEmpty()) {
                issuer = intermediate.filter(i -> crl.getIssuer().equals(i.holder().getSubject()));
                covered = leaf;
            }
            if (issuer.isEmpty()) {
                problems.add("CRL from " + crl.getIssuer() + " is not issued by this chain's ARK or "
                        + "intermediate");
                continue;
            }
            Optional<String> problem = CertificateChecks.crlProblem(crl, issuer.get().holder(), at);
            if (problem.isPresent()) {
                problems.add(problem.get());
                continue;
            }
            used++;
            if (covered.isPresent() && CertificateChecks.revokes(crl, covered.get().holder())) {
                problems.add(covered.get().commonName() + " serial " + covered.get().holder().getSerialNumber()
                        + " is revoked by the CRL of " + issuer.get().commonName());
            }
        }
        checks.add(problems.isEmpty()
                ? Check.pass(CRL, used + " CRL(s) checked; nothing in the chain is revoked")
                : Check.fail(CRL, String.join("; ", problems)));
    }
}
