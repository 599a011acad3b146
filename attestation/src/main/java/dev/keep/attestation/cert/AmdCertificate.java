package dev.keep.attestation.cert;

import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.Product;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.cert.X509CertificateHolder;

/** A certificate together with what its common name says about it: role and product. */
public final class AmdCertificate {
    private final X509CertificateHolder holder;
    private final String source;
    private final String commonName;
    private final AmdRole role;
    private final Optional<Product> product;

    public AmdCertificate(X509CertificateHolder holder, String source) {
        this.holder = holder;
        this.source = source;
        this.commonName = commonName(holder.getSubject());
        this.role = roleOf(commonName);
        this.product = productOf(commonName, role);
    }

    public X509CertificateHolder holder() {
        return holder;
    }

    /** Where the certificate came from (file name or URL), for messages. */
    public String source() {
        return source;
    }

    public String commonName() {
        return commonName;
    }

    public AmdRole role() {
        return role;
    }

    /** Product named by the CN (CA certificates only; VCEK/VLEK carry it in an extension instead). */
    public Optional<Product> product() {
        return product;
    }

    /** SHA-256 of the DER encoding, lower-case hex. */
    public String sha256() {
        try {
            return Hex.encode(MessageDigest.getInstance("SHA-256").digest(holder.getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return commonName + " (" + source + ")";
    }

    private static String commonName(X500Name name) {
        RDN[] cns = name.getRDNs(BCStyle.CN);
        return cns.length == 0 ? "" : IETFUtils.valueToString(cns[0].getFirst().getValue());
    }

    private static AmdRole roleOf(String cn) {
        if (cn.equals("SEV-VCEK")) {
            return AmdRole.VCEK;
        }
        if (cn.equals("SEV-VLEK")) {
            return AmdRole.VLEK;
        }
        if (cn.startsWith("ARK-")) {
            return AmdRole.ARK;
        }
        if (cn.startsWith("SEV-VLEK-")) {
            return AmdRole.ASVK;
        }
        if (cn.startsWith("SEV-")) {
            return AmdRole.ASK;
        }
        return AmdRole.UNKNOWN;
    }

    private static Optional<Product> productOf(String cn, AmdRole role) {
        return switch (role) {
            case ARK -> Product.fromName(cn.substring("ARK-".length()));
            case ASVK -> Product.fromName(cn.substring("SEV-VLEK-".length()));
            case ASK -> Product.fromName(cn.substring("SEV-".length()));
            default -> Optional.empty();
        };
    }
}
