package dev.keep.attestation.verify;

import dev.keep.attestation.cert.CertificatePool;
import dev.keep.attestation.cert.KeyExtensions;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.policy.VerificationPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which product (Milan, Genoa, Turin) a report is verified as. The generation decides the TCB layout, the
 * pinned root and the certificate names, so every source that names it must agree: the policy, the report (CPUID
 * for v3+, the CHIP_ID shape for Turin v2) and the VCEK/VLEK productName. Only when none of these says anything do
 * the CA certificates decide.
 */
final class ProductResolver {
    static final String NAME = "product";

    /** The product to verify as (empty when unknown) and the check saying how it was decided. */
    record Decision(Optional<Product> product, Check check) {}

    private ProductResolver() {}

    static Decision resolve(AttestationReport report, VerificationPolicy policy, Optional<KeyExtensions> leaf,
            CertificatePool pool) {
        Map<String, Product> claims = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        policy.product().ifPresent(p -> claims.put("policy", p));
        if (report.version() >= 3) {
            int family = report.cpuidFamily().orElseThrow();
            int model = report.cpuidModel().orElseThrow();
            Optional<Product> fromCpuid = report.productFromReport();
            if (fromCpuid.isPresent()) {
                claims.put(String.format("report CPUID family 0x%X model 0x%X", family, model), fromCpuid.get());
            } else {
                problems.add(String.format("report CPUID family 0x%X model 0x%X is not a known SEV-SNP product",
                        family, model));
            }
        } else {
            report.productFromReport().ifPresent(p -> claims.put("report CHIP_ID shape", p));
        }
        Optional<String> productName = leaf.flatMap(KeyExtensions::productName);
        if (productName.isPresent()) {
            Optional<Product> named = Product.fromName(productName.get());
            if (named.isPresent()) {
                claims.put("certificate productName '" + productName.get() + "'", named.get());
            } else {
                problems.add("certificate productName '" + productName.get() + "' is not a known product");
            }
        }
        Set<Product> distinct = new LinkedHashSet<>(claims.values());
        if (distinct.size() > 1) {
            problems.add("sources disagree: " + describe(claims));
        }
        if (!problems.isEmpty()) {
            Optional<Product> best = claims.values().stream().findFirst();
            return new Decision(best, Check.fail(NAME, String.join("; ", problems)));
        }
        if (distinct.size() == 1) {
            Product p = distinct.iterator().next();
            return new Decision(Optional.of(p), Check.pass(NAME, p.kdsName() + " (from " + String.join(", ",
                    claims.keySet()) + ")"));
        }
        Map<Product, List<String>> fromCas = pool.caProducts();
        if (fromCas.size() == 1) {
            Map.Entry<Product, List<String>> only = fromCas.entrySet().iterator().next();
            return new Decision(Optional.of(only.getKey()), Check.pass(NAME, only.getKey().kdsName()
                    + " (only from the CA certificates " + only.getValue() + "; the report does not name it)"));
        }
        String why = fromCas.isEmpty()
                ? "cannot determine the product: a version " + report.version() + " report does not name it and no"
                        + " certificate does"
                : "cannot determine the product: the report does not name it and the CA certificates name several "
                        + fromCas.keySet();
        return new Decision(Optional.empty(), Check.fail(NAME, why));
    }

    private static String describe(Map<String, Product> claims) {
        List<String> parts = new ArrayList<>();
        claims.forEach((source, product) -> parts.add(source + " says " + product.kdsName()));
        return String.join(", ", parts);
    }
}
