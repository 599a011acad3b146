package dev.keep.attestation.cert;

import dev.keep.attestation.report.Product;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * All certificates supplied for one verification, from any number of files, de-duplicated and classified by
 * role. Files that cannot be read are recorded as problems instead of aborting, so the verdict can say which
 * file was bad and still report on the rest.
 */
public final class CertificatePool {
    private final List<AmdCertificate> certificates = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> loadedSources = new ArrayList<>();

    /** Adds every certificate in a DER or PEM file; an unreadable file becomes a problem entry. */
    public void add(String source, byte[] contents) {
        try {
            List<X509CertificateHolder> holders = CertificateLoader.certificates(contents, source);
            for (X509CertificateHolder holder : holders) {
                addHolder(holder, source);
            }
            loadedSources.add(source + " (" + holders.size() + " certificate" + (holders.size() == 1 ? "" : "s")
                    + ")");
        } catch (CertificateFormatException e) {
            problems.add(e.getMessage());
        }
    }

    public void addHolder(X509CertificateHolder holder, String source) {
        for (AmdCertificate known : certificates) {
            if (sameEncoding(known.holder(), holder)) {
                return;
            }
        }
        certificates.add(new AmdCertificate(holder, source));
    }

    public List<AmdCertificate> all() {
        return List.copyOf(certificates);
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    public List<String> loadedSources() {
        return List.copyOf(loadedSources);
    }

    public List<AmdCertificate> withRole(AmdRole role) {
        return certificates.stream().filter(c -> c.role() == role).toList();
    }

    public List<AmdCertificate> withRole(AmdRole role, Product product) {
        return certificates.stream().filter(c -> c.role() == role && c.product().equals(Optional.of(product)))
                .toList();
    }

    public Optional<AmdCertificate> first(AmdRole role) {
        return certificates.stream().filter(c -> c.role() == role).findFirst();
    }

    /** Products named by the CA certificates present, with the CNs that named them. */
    public Map<Product, List<String>> caProducts() {
        Map<Product, List<String>> out = new LinkedHashMap<>();
        for (AmdCertificate c : certificates) {
            c.product().ifPresent(p -> out.computeIfAbsent(p, k -> new ArrayList<>()).add(c.commonName()));
        }
        return out;
    }

    private static boolean sameEncoding(X509CertificateHolder a, X509CertificateHolder b) {
        try {
            return Arrays.equals(a.getEncoded(), b.getEncoded());
        } catch (IOException e) {
            return false;
        }
    }
}
