package dev.keep.attestation.kds;

import dev.keep.attestation.cert.AmdCertificate;
import dev.keep.attestation.cert.AmdRole;
import dev.keep.attestation.cert.CertificatePool;
import dev.keep.attestation.cert.KeyExtensions;
import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.ReportFormatException;
import dev.keep.attestation.report.ReportParser;
import dev.keep.attestation.report.SigningKey;
import dev.keep.attestation.verify.Check;
import dev.keep.attestation.verify.Evidence;
import java.net.URI;
import java.util.Map;
import java.util.Optional;

/**
 * Completes evidence with what is missing from KDS: the VCEK for the report's chip and REPORTED_TCB, the CA chain,
 * and the CRL. Everything fetched is still verified like supplied files (the ARK only counts if it matches its pin).
 * Fetch outcomes are recorded as checks named {@code kds.*} in the evidence, so the verdict shows them.
 */
public final class KdsCollateral {
    private final KdsClient client;
    private final KdsUrls urls;

    public KdsCollateral(KdsClient client, KdsUrls urls) {
        this.client = client;
        this.urls = urls;
    }

    public Evidence complete(Evidence evidence, VerificationPolicy policy) {
        AttestationReport report;
        try {
            report = ReportParser.parseFileContents(evidence.report());
        } catch (ReportFormatException e) {
            return evidence; // the verifier reports the format problem
        }
        SigningKey kind = report.signingKey();
        if (kind != SigningKey.VCEK && kind != SigningKey.VLEK) {
            return evidence;
        }
        CertificatePool pool = new CertificatePool();
        evidence.certificates().forEach(s -> pool.add(s.name(), s.contents()));
        AmdRole leafRole = kind == SigningKey.VLEK ? AmdRole.VLEK : AmdRole.VCEK;
        Optional<AmdCertificate> leaf = pool.first(leafRole);
        Evidence.Builder out = evidence.toBuilder();

        Optional<Product> product = policy.product().or(report::productFromReport)
                .or(() -> leaf.flatMap(l -> KeyExtensions.of(l.holder()).productName()).flatMap(Product::fromName))
                .or(() -> singleCaProduct(pool));
        if (product.isEmpty()) {
            out.collateralCheck(Check.fail("kds.product", "cannot tell which product to fetch certificates for (a "
                    + "version " + report.version() + " report does not say); supply the VCEK or the chain"));
            return out.build();
        }
        Product p = product.get();
        if (leaf.isEmpty()) {
            fetchLeaf(report, p, kind, out);
        }
        AmdRole intermediate = kind == SigningKey.VLEK ? AmdRole.ASVK : AmdRole.ASK;
        if (pool.withRole(AmdRole.ARK, p).isEmpty() || pool.withRole(intermediate, p).isEmpty()) {
            fetch("kds.certChain", urls.certChain(p, kind), false, out);
        }
        if (evidence.crls().isEmpty()) {
            fetch("kds.crl", urls.crl(p, kind), true, out);
        }
        return out.build();
    }

    private void fetchLeaf(AttestationReport report, Product product, SigningKey kind, Evidence.Builder out) {
        if (kind == SigningKey.VLEK) {
            out.collateralCheck(Check.fail("kds.vlek", "a VLEK cannot be fetched without the cloud provider's KDS "
                    + "credentials; supply the VLEK certificate"));
            return;
        }
        if (report.chipIdMasked()) {
            out.collateralCheck(Check.fail("kds.vcek", "CHIP_ID is masked in the report, so the VCEK cannot be "
                    + "looked up; supply the VCEK certificate"));
            return;
        }
        URI url = urls.vcek(product, report.chipId(), report.reportedTcb(product.tcbLayout()));
        fetch("kds.vcek", url, false, out);
    }

    private void fetch(String name, URI url, boolean crl, Evidence.Builder out) {
        try {
            byte[] body = crl ? client.fetchCrl(url) : client.fetchImmutable(url);
            if (crl) {
                out.crl(url.toString(), body);
            } else {
                out.certificates(url.toString(), body);
            }
            out.collateralCheck(Check.pass(name, "fetched " + url));
        } catch (KdsException e) {
            out.collateralCheck(Check.fail(name, e.getMessage()));
        }
    }

    private static Optional<Product> singleCaProduct(CertificatePool pool) {
        Map<Product, ?> products = pool.caProducts();
        return products.size() == 1 ? Optional.of(products.keySet().iterator().next()) : Optional.empty();
    }
}
