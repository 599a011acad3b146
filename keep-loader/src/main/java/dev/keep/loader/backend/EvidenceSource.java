package dev.keep.loader.backend;

import dev.keep.attestation.protocol.ClientEvidence;
import dev.keep.attestation.protocol.SoftwareEvidence;

/**
 * Where a keep's attestation evidence comes from: given the 64 bytes of REPORT_DATA the keep chose (its key and the
 * service's challenge nonce, hashed), the backend produces evidence that carries them. On sev-snp this is an SNP
 * report from the secure processor; the nil and kvm backends have no hardware root and produce
 * {@link SoftwareEvidence}, which a service accepts only where its policy allows software evidence.
 */
public interface EvidenceSource {
    /** One line for {@code -v}: which backend vouches, and whether anything but the backend itself does. */
    String description();

    /** Evidence carrying {@code reportData} (64 bytes). Problems are thrown as a KeepException. */
    ClientEvidence evidence(byte[] reportData);

    /** Software evidence of {@code backend} for the 48-byte {@code measurement}: no hardware root. */
    static EvidenceSource software(String backend, byte[] measurement) {
        byte[] fixed = measurement.clone();
        return new EvidenceSource() {
            @Override
            public String description() {
                return backend + " backend, software evidence with NO hardware root, measurement "
                        + java.util.HexFormat.of().formatHex(fixed);
            }

            @Override
            public ClientEvidence evidence(byte[] reportData) {
                return new SoftwareEvidence(backend, fixed, reportData);
            }
        };
    }
}
