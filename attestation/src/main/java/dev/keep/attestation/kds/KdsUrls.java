package dev.keep.attestation.kds;

import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.SigningKey;
import dev.keep.attestation.report.TcbVersion;
import java.net.URI;
import java.util.Arrays;

/**
 * AMD Key Distribution Service URLs. VCEK: {@code /vcek/v1/{product}/{hwid}?[fmcSPL=..&]blSPL=..&teeSPL=..&snpSPL=..
 * &ucodeSPL=..} with the SPLs of REPORTED_TCB and the hwID as lower-case hex (64 bytes, 8 on Turin); CA chain
 * (PEM, intermediate then ARK): {@code /{vcek|vlek}/v1/{product}/cert_chain}; CRL: {@code /{vcek|vlek}/v1/{product}/crl}.
 */
public final class KdsUrls {
    public static final URI AMD_KDS = URI.create("https://kdsintf.amd.com");

    private final String base;

    /** @param base scheme, host and optional path prefix, for example https://kdsintf.amd.com */
    public KdsUrls(URI base) {
        String text = base.toString();
        this.base = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    public static KdsUrls amd() {
        return new KdsUrls(AMD_KDS);
    }

    /** VCEK certificate (DER) for a chip at a TCB; {@code chipId} is the report's 64-byte CHIP_ID. */
    public URI vcek(Product product, byte[] chipId, TcbVersion reportedTcb) {
        if (chipId.length < product.hwIdLength()) {
            throw new IllegalArgumentException("CHIP_ID must be at least " + product.hwIdLength() + " bytes");
        }
        if (reportedTcb.layout() != product.tcbLayout()) {
            throw new IllegalArgumentException("TCB layout " + reportedTcb.layout() + " does not fit " + product);
        }
        String hwId = Hex.encode(Arrays.copyOf(chipId, product.hwIdLength()));
        StringBuilder query = new StringBuilder();
        if (reportedTcb.hasFmc()) {
            query.append("fmcSPL=").append(reportedTcb.fmc()).append('&');
        }
        query.append("blSPL=").append(reportedTcb.bootloader())
                .append("&teeSPL=").append(reportedTcb.tee())
                .append("&snpSPL=").append(reportedTcb.snp())
                .append("&ucodeSPL=").append(reportedTcb.microcode());
        return URI.create(base + "/vcek/v1/" + product.kdsName() + "/" + hwId + "?" + query);
    }

    /** PEM bundle: ASK (or ASVK for VLEK) followed by the ARK. */
    public URI certChain(Product product, SigningKey key) {
        return URI.create(base + "/" + keyPath(key) + "/v1/" + product.kdsName() + "/cert_chain");
    }

    public URI crl(Product product, SigningKey key) {
        return URI.create(base + "/" + keyPath(key) + "/v1/" + product.kdsName() + "/crl");
    }

    private static String keyPath(SigningKey key) {
        return switch (key) {
            case VCEK -> "vcek";
            case VLEK -> "vlek";
            default -> throw new IllegalArgumentException("KDS serves only VCEK and VLEK hierarchies, not " + key);
        };
    }
}
