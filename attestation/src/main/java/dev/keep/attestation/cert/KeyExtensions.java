package dev.keep.attestation.cert;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.bouncycastle.asn1.ASN1IA5String;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * The AMD-specific X.509 extensions of a VCEK or VLEK (OIDs under 1.3.6.1.4.1.3704.1). Parsing is tolerant: AMD
 * encodes hwID as raw bytes rather than a DER OCTET STRING, and some certificates wrap it anyway; both are read.
 * Unreadable values are collected in {@link #problems()} rather than thrown.
 */
public final class KeyExtensions {
    static final String ARC = "1.3.6.1.4.1.3704.1.";
    public static final ASN1ObjectIdentifier STRUCT_VERSION = new ASN1ObjectIdentifier(ARC + "1");
    public static final ASN1ObjectIdentifier PRODUCT_NAME = new ASN1ObjectIdentifier(ARC + "2");
    public static final ASN1ObjectIdentifier BL_SPL = new ASN1ObjectIdentifier(ARC + "3.1");
    public static final ASN1ObjectIdentifier TEE_SPL = new ASN1ObjectIdentifier(ARC + "3.2");
    public static final ASN1ObjectIdentifier SNP_SPL = new ASN1ObjectIdentifier(ARC + "3.3");
    public static final ASN1ObjectIdentifier UCODE_SPL = new ASN1ObjectIdentifier(ARC + "3.8");
    public static final ASN1ObjectIdentifier FMC_SPL = new ASN1ObjectIdentifier(ARC + "3.9");
    public static final ASN1ObjectIdentifier HW_ID = new ASN1ObjectIdentifier(ARC + "4");
    public static final ASN1ObjectIdentifier CSP_ID = new ASN1ObjectIdentifier(ARC + "5");

    private final List<String> problems = new ArrayList<>();
    private final OptionalInt structVersion;
    private final Optional<String> productName;
    private final OptionalInt bootloader;
    private final OptionalInt tee;
    private final OptionalInt snp;
    private final OptionalInt microcode;
    private final OptionalInt fmc;
    private final Optional<byte[]> hwId;
    private final Optional<String> cspId;

    private KeyExtensions(X509CertificateHolder cert) {
        structVersion = integer(cert, STRUCT_VERSION, "structVersion");
        productName = string(cert, PRODUCT_NAME, "productName");
        bootloader = integer(cert, BL_SPL, "blSPL");
        tee = integer(cert, TEE_SPL, "teeSPL");
        snp = integer(cert, SNP_SPL, "snpSPL");
        microcode = integer(cert, UCODE_SPL, "ucodeSPL");
        fmc = integer(cert, FMC_SPL, "fmcSPL");
        hwId = hardwareId(cert);
        cspId = string(cert, CSP_ID, "cspId");
    }

    public static KeyExtensions of(X509CertificateHolder cert) {
        return new KeyExtensions(cert);
    }

    public OptionalInt structVersion() {
        return structVersion;
    }

    public Optional<String> productName() {
        return productName;
    }

    public OptionalInt bootloader() {
        return bootloader;
    }

    public OptionalInt tee() {
        return tee;
    }

    public OptionalInt snp() {
        return snp;
    }

    public OptionalInt microcode() {
        return microcode;
    }

    /** Turin only. */
    public OptionalInt fmc() {
        return fmc;
    }

    /** The chip identifier: 64 bytes (Milan, Genoa) or 8 bytes (Turin). VLEKs have none. */
    public Optional<byte[]> hwId() {
        return hwId.map(byte[]::clone);
    }

    /** The cloud provider a VLEK was issued to. */
    public Optional<String> cspId() {
        return cspId;
    }

    /** Extensions present but not decodable, one phrase each. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    private OptionalInt integer(X509CertificateHolder cert, ASN1ObjectIdentifier oid, String name) {
        Extension ext = cert.getExtension(oid);
        if (ext == null) {
            return OptionalInt.empty();
        }
        try {
            ASN1Primitive value = ASN1Primitive.fromByteArray(ext.getExtnValue().getOctets());
            if (value instanceof ASN1Integer integer) {
                return OptionalInt.of(integer.intValueExact());
            }
        } catch (java.io.IOException | RuntimeException e) {
            // recorded below
        }
        problems.add(name + " is not a DER INTEGER");
        return OptionalInt.empty();
    }

    private Optional<String> string(X509CertificateHolder cert, ASN1ObjectIdentifier oid, String name) {
        Extension ext = cert.getExtension(oid);
        if (ext == null) {
            return Optional.empty();
        }
        try {
            ASN1Primitive value = ASN1Primitive.fromByteArray(ext.getExtnValue().getOctets());
            if (value instanceof ASN1IA5String || value instanceof ASN1String) {
                return Optional.of(((ASN1String) value).getString());
            }
        } catch (java.io.IOException | RuntimeException e) {
            // recorded below
        }
        problems.add(name + " is not a DER string");
        return Optional.empty();
    }

    private static Optional<byte[]> hardwareId(X509CertificateHolder cert) {
        Extension ext = cert.getExtension(HW_ID);
        if (ext == null) {
            return Optional.empty();
        }
        byte[] value = ext.getExtnValue().getOctets();
        if (value.length == 64 || value.length == 8) {
            return Optional.of(value);
        }
        // Some issuers wrap the identifier in a DER OCTET STRING; accept that when it parses exactly.
        try {
            ASN1Primitive wrapped = ASN1Primitive.fromByteArray(value);
            if (wrapped instanceof ASN1OctetString octets) {
                return Optional.of(octets.getOctets());
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not DER: fall through to the raw bytes
        }
        return Optional.of(value);
    }
}
