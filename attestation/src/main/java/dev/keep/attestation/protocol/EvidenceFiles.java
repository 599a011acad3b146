package dev.keep.attestation.protocol;

import java.util.Optional;

/**
 * Evidence as a client sends it: the report file (1184 raw bytes or hex text), and optionally the VCEK/VLEK
 * (DER or PEM) and the CA chain (PEM bundle). When the VCEK or chain is missing the service may fetch it from AMD
 * KDS, if it is configured to.
 */
public record EvidenceFiles(byte[] report, Optional<byte[]> vcek, Optional<byte[]> chain) implements ClientEvidence {
    public EvidenceFiles {
        report = report.clone();
        vcek = vcek.map(byte[]::clone);
        chain = chain.map(byte[]::clone);
    }

    public static EvidenceFiles of(byte[] report, byte[] vcek, byte[] chain) {
        return new EvidenceFiles(report, Optional.ofNullable(vcek), Optional.ofNullable(chain));
    }

    @Override
    public byte[] report() {
        return report.clone();
    }
}
