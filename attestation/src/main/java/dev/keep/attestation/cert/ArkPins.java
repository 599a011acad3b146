package dev.keep.attestation.cert;

import dev.keep.attestation.report.Product;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The AMD root keys this verifier trusts, pinned by SHA-256 of their DER encoding. An ARK that arrives in a file,
 * a bundle or from KDS is only a candidate: it is used only if its fingerprint equals the pin for its product.
 */
public final class ArkPins {
    /**
     * SHA-256 of the genuine AMD ARK certificates, computed from virtee/sev src/certs/snp/builtin/{milan,genoa,turin}
     * /ark.pem and found identical in the go-sev-guest verify/trust and trustee deps/verifier/src/snp bundles.
     */
    private static final ArkPins AMD = new ArkPins(Map.of(
            Product.MILAN, "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
            Product.GENOA, "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
            Product.TURIN, "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a"));

    private final Map<Product, String> pins;

    private ArkPins(Map<Product, String> pins) {
        this.pins = new EnumMap<>(Product.class);
        pins.forEach((product, hex) -> this.pins.put(product, hex.toLowerCase(Locale.ROOT)));
    }

    /** AMD's production roots. */
    public static ArkPins amd() {
        return AMD;
    }

    /** Other roots, for a private test hierarchy; production code uses {@link #amd()}. */
    public static ArkPins of(Map<Product, String> sha256ByProduct) {
        return new ArkPins(sha256ByProduct);
    }

    public Optional<String> pin(Product product) {
        return Optional.ofNullable(pins.get(product));
    }

    public boolean matches(Product product, AmdCertificate ark) {
        return pin(product).map(p -> p.equals(ark.sha256())).orElse(false);
    }
}
