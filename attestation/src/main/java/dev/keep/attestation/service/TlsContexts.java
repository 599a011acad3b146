package dev.keep.attestation.service;

import dev.keep.attestation.protocol.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;

/** The server's TLS context from service.toml's [tls]: a PEM key and certificate chain, or a PKCS#12 keystore. */
final class TlsContexts {
    private TlsContexts() {}

    static SSLContext server(ServiceConfig.Tls tls) throws ConfigException {
        try {
            KeyStore store;
            char[] password;
            if (tls.pkcs12().isPresent()) {
                password = tls.password().orElse("").toCharArray();
                store = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(tls.pkcs12().get())) {
                    store.load(in, password);
                }
            } else {
                KeyPair key = Pem.keyPair(Files.readAllBytes(tls.keyPem().orElseThrow()), "TLS key "
                        + tls.keyPem().get());
                List<X509CertificateHolder> chain = Pem.certificates(Files.readAllBytes(
                        tls.certificatePem().orElseThrow()), "TLS certificate " + tls.certificatePem().get());
                JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
                X509Certificate[] certs = new X509Certificate[chain.size()];
                for (int i = 0; i < certs.length; i++) {
                    certs[i] = converter.getCertificate(chain.get(i));
                }
                password = new char[0];
                store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("server", key.getPrivate(), password, certs);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return context;
        } catch (IOException e) {
            throw new ConfigException("TLS key or certificate cannot be read: " + e.getMessage());
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new ConfigException("TLS key or certificate cannot be used: " + e.getMessage());
        }
    }
}
