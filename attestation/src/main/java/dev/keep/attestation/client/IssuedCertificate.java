package dev.keep.attestation.client;

import java.time.Instant;
import java.util.List;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * A certificate chain issued by the service: the end-entity certificate first, then the service CA.
 *
 * @param pem the chain as PEM text, ready to write to a file
 * @param serial the end-entity certificate's serial number, hex
 */
public record IssuedCertificate(List<X509CertificateHolder> chain, String pem, String serial, Instant notAfter) {
    public IssuedCertificate {
        chain = List.copyOf(chain);
    }

    public X509CertificateHolder leaf() {
        return chain.getFirst();
    }
}
