package dev.keep.attestation.protocol;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.ASN1UTF8String;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * The X.509 extensions the attestation service puts in the certificates it issues, so a relying party can see what
 * was attested without the report. They live under a private arc derived from a UUID (ITU-T X.667, arc 2.25, which
 * needs no registration): {@code 2.25.151004664806826380176762317386273115115} (UUID
 * 719a70c9-275b-43fe-b40e-25832b29cbeb). All are non-critical.
 *
 * <pre>
 *   arc.1  measurement   OCTET STRING (48 bytes, the report's MEASUREMENT)
 *   arc.2  reportedTcb   SEQUENCE { raw INTEGER, bootloader INTEGER, tee INTEGER, snp INTEGER,
 *                                   microcode INTEGER, fmc INTEGER OPTIONAL (Turin only) }
 *   arc.3  product       UTF8String ("Milan", "Genoa", "Turin")
 *   arc.4  guestPolicy   INTEGER (the report's 64-bit POLICY)
 *   arc.5  hostData      OCTET STRING (32 bytes)
 *   arc.6  vmpl          INTEGER
 *   arc.7  profile       UTF8String (the issuance profile of service.toml)
 *   arc.8  softwareEvidence  UTF8String (the backend, "nil" or "kvm"): present only in certificates issued on
 *                        software evidence, which has NO hardware root; such a certificate carries arc.1, arc.7 and
 *                        arc.8 only, so {@link #decode} finds no SNP claims in it
 * </pre>
 */
public final class AttestationExtensions {
    public static final ASN1ObjectIdentifier ARC = new ASN1ObjectIdentifier(
            "2.25.151004664806826380176762317386273115115");
    public static final ASN1ObjectIdentifier MEASUREMENT = ARC.branch("1");
    public static final ASN1ObjectIdentifier REPORTED_TCB = ARC.branch("2");
    public static final ASN1ObjectIdentifier PRODUCT = ARC.branch("3");
    public static final ASN1ObjectIdentifier GUEST_POLICY = ARC.branch("4");
    public static final ASN1ObjectIdentifier HOST_DATA = ARC.branch("5");
    public static final ASN1ObjectIdentifier VMPL = ARC.branch("6");
    public static final ASN1ObjectIdentifier PROFILE = ARC.branch("7");
    public static final ASN1ObjectIdentifier SOFTWARE_EVIDENCE = ARC.branch("8");

    /** What an issued certificate says was attested; {@code tcb} is raw, bootloader, tee, snp, microcode[, fmc]. */
    public record Claims(byte[] measurement, List<Long> tcb, String product, long guestPolicy, byte[] hostData,
            long vmpl, String profile) {
        public Claims {
            measurement = measurement.clone();
            hostData = hostData.clone();
            tcb = List.copyOf(tcb);
        }

        @Override
        public byte[] measurement() {
            return measurement.clone();
        }

        @Override
        public byte[] hostData() {
            return hostData.clone();
        }
    }

    private AttestationExtensions() {}

    /** The extensions for {@code claims}, ready for a certificate builder. */
    public static List<Extension> encode(Claims claims) {
        ASN1EncodableVector tcb = new ASN1EncodableVector();
        claims.tcb().forEach(v -> tcb.add(new ASN1Integer(v)));
        List<Extension> out = new ArrayList<>();
        out.add(extension(MEASUREMENT, new DEROctetString(claims.measurement())));
        out.add(extension(REPORTED_TCB, new DERSequence(tcb)));
        out.add(extension(PRODUCT, new DERUTF8String(claims.product())));
        out.add(extension(GUEST_POLICY, new ASN1Integer(BigInteger.valueOf(claims.guestPolicy()))));
        out.add(extension(HOST_DATA, new DEROctetString(claims.hostData())));
        out.add(extension(VMPL, new ASN1Integer(claims.vmpl())));
        out.add(extension(PROFILE, new DERUTF8String(claims.profile())));
        return out;
    }

    /**
     * The extensions of a certificate issued on software evidence: the claimed measurement, the profile, and the
     * backend under {@link #SOFTWARE_EVIDENCE}, whose presence tells relying parties there was no hardware root.
     */
    public static List<Extension> encodeSoftware(byte[] measurement, String backend, String profile) {
        return List.of(extension(MEASUREMENT, new DEROctetString(measurement)),
                extension(PROFILE, new DERUTF8String(profile)),
                extension(SOFTWARE_EVIDENCE, new DERUTF8String(backend)));
    }

    /** The backend named by {@link #SOFTWARE_EVIDENCE}, if the certificate was issued on software evidence. */
    public static Optional<String> softwareBackend(X509CertificateHolder certificate) {
        try {
            return Optional.of(ASN1UTF8String.getInstance(value(certificate, SOFTWARE_EVIDENCE)).getString());
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Reads the claims back from an issued certificate; empty if any extension is missing or malformed. */
    public static Optional<Claims> decode(X509CertificateHolder certificate) {
        try {
            List<Long> tcb = new ArrayList<>();
            for (ASN1Encodable e : ASN1Sequence.getInstance(value(certificate, REPORTED_TCB))) {
                tcb.add(ASN1Integer.getInstance(e).longValueExact());
            }
            return Optional.of(new Claims(
                    ASN1OctetString.getInstance(value(certificate, MEASUREMENT)).getOctets(), tcb,
                    ASN1UTF8String.getInstance(value(certificate, PRODUCT)).getString(),
                    ASN1Integer.getInstance(value(certificate, GUEST_POLICY)).getValue().longValue(),
                    ASN1OctetString.getInstance(value(certificate, HOST_DATA)).getOctets(),
                    ASN1Integer.getInstance(value(certificate, VMPL)).longValueExact(),
                    ASN1UTF8String.getInstance(value(certificate, PROFILE)).getString()));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static ASN1Encodable value(X509CertificateHolder certificate, ASN1ObjectIdentifier oid) {
        Extension e = certificate.getExtension(oid);
        if (e == null) {
            throw new IllegalArgumentException("missing extension " + oid);
        }
        return e.getParsedValue();
    }

    private static Extension extension(ASN1ObjectIdentifier oid, ASN1Encodable value) {
        try {
            return new Extension(oid, false, value.toASN1Primitive().getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot encode extension " + oid, e);
        }
    }
}
