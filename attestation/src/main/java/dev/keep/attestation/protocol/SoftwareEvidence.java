package dev.keep.attestation.protocol;

import java.util.Set;

/**
 * Evidence from a backend that has no hardware root of trust (nil runs the app in the loader's JVM, kvm in a guest
 * that is neither encrypted nor measured by a secure processor). Nothing signs it: whoever sends it can put any
 * measurement in it, so it proves nothing about what runs. It exists so that development setups can exercise the
 * whole attestation flow (challenge, key binding, certificate, secrets), and the service accepts it only where a
 * profile or secret says {@code allow_software_evidence = true}.
 *
 * <p>On the wire it is the {@code evidence} object {@code {"software": {"backend": "nil", "measurement": HEX48,
 * "reportData": HEX64}}}, in place of {@code report}/{@code vcek}/{@code chain}.
 *
 * @param backend the backend that produced it: {@code nil} or {@code kvm}
 * @param measurement 48 bytes: the backend's digest of what it runs (for nil, see the loader's NilMeasurement)
 * @param reportData the 64 bytes the keep chose, binding its key and the challenge nonce as for SNP reports
 */
public record SoftwareEvidence(String backend, byte[] measurement, byte[] reportData) implements ClientEvidence {
    /** The backends that produce software evidence. */
    public static final Set<String> BACKENDS = Set.of("nil", "kvm");
    public static final int MEASUREMENT_BYTES = 48;
    public static final int REPORT_DATA_BYTES = 64;

    /** Throws {@link IllegalArgumentException} with a one-line reason for an unknown backend or a wrong length. */
    public SoftwareEvidence {
        if (backend == null || !BACKENDS.contains(backend)) {
            throw new IllegalArgumentException("software evidence must name its backend, 'nil' or 'kvm', got "
                    + (backend == null ? "none" : "'" + backend.replaceAll("[^\\x20-\\x7e]", "?") + "'"));
        }
        if (measurement == null || measurement.length != MEASUREMENT_BYTES) {
            throw new IllegalArgumentException("software evidence measurement must be " + MEASUREMENT_BYTES
                    + " bytes, got " + (measurement == null ? "none" : measurement.length));
        }
        if (reportData == null || reportData.length != REPORT_DATA_BYTES) {
            throw new IllegalArgumentException("software evidence reportData must be " + REPORT_DATA_BYTES
                    + " bytes, got " + (reportData == null ? "none" : reportData.length));
        }
        measurement = measurement.clone();
        reportData = reportData.clone();
    }

    @Override
    public byte[] measurement() {
        return measurement.clone();
    }

    @Override
    public byte[] reportData() {
        return reportData.clone();
    }
}
