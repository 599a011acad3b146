package dev.keep.attestation.cert;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Reads X.509 certificates and CRLs from DER or PEM (any number of blocks, any order). AMD KDS serves VCEKs as
 * DER and chains as PEM bundles; users hand in either.
 */
public final class CertificateLoader {
    private static final String PEM_CERTIFICATE = "CERTIFICATE";
    private static final String PEM_CRL = "X509 CRL";

    private CertificateLoader() {}

    /** Reads every certificate in {@code contents}; {@code source} names the file in error messages. */
    public static List<X509CertificateHolder> certificates(byte[] contents, String source)
            throws CertificateFormatException {
        List<X509CertificateHolder> out = new ArrayList<>();
        for (byte[] der : derBlocks(contents, source, PEM_CERTIFICATE, "certificate")) {
            out.add(parseCertificate(der, source, out.size() + 1));
        }
        return out;
    }

    /** Reads every CRL in {@code contents}. */
    public static List<X509CRLHolder> crls(byte[] contents, String source) throws CertificateFormatException {
        List<X509CRLHolder> out = new ArrayList<>();
        for (byte[] der : derBlocks(contents, source, PEM_CRL, "CRL")) {
            try {
                out.add(new X509CRLHolder(der));
            } catch (IOException | RuntimeException e) {
                throw new CertificateFormatException(source + ": CRL " + (out.size() + 1) + " is not a valid X.509 "
                        + "CRL (" + oneLine(e) + ")");
            }
        }
        return out;
    }

    static X509CertificateHolder parseCertificate(byte[] der, String source, int index)
            throws CertificateFormatException {
        try {
            return new X509CertificateHolder(der);
        } catch (IOException | RuntimeException e) {
            throw new CertificateFormatException(source + ": certificate " + index
                    + " is not a valid X.509 certificate (" + oneLine(e) + ")");
        }
    }

    private static List<byte[]> derBlocks(byte[] contents, String source, String pemType, String what)
            throws CertificateFormatException {
        if (contents == null || contents.length == 0) {
            throw new CertificateFormatException(source + ": file is empty");
        }
        if ((contents[0] & 0xFF) == 0x30) {
            return List.of(contents);
        }
        String text = new String(contents, StandardCharsets.US_ASCII);
        if (!text.contains("-----BEGIN ")) {
            throw new CertificateFormatException(source + ": neither DER nor PEM (no -----BEGIN line)");
        }
        List<byte[]> blocks = new ArrayList<>();
        try (PemReader reader = new PemReader(new StringReader(text))) {
            PemObject object;
            while ((object = reader.readPemObject()) != null) {
                if (pemType.equals(object.getType())) {
                    blocks.add(object.getContent());
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new CertificateFormatException(source + ": malformed PEM (" + oneLine(e) + ")");
        }
        if (blocks.isEmpty()) {
            throw new CertificateFormatException(source + ": no PEM " + what + " block found");
        }
        return blocks;
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s+", " ").strip();
    }
}
