package dev.keep.attestation.policy;

import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.Product;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a relying party accepts beyond a genuine, correctly signed report. The defaults are strict where a
 * permissive default would be unsafe (debug off, migration agent off, VMPL 0) and open where only the caller
 * knows the right value (measurements, digests, host data: unchecked unless given). Immutable; derive variants
 * with {@link #toBuilder()}.
 */
public final class VerificationPolicy {
    private final boolean allowDebug;
    private final boolean allowMigrationAgent;
    private final boolean allowSmt;
    private final Optional<AbiVersion> minimumGuestAbi;
    private final OptionalInt vmpl;
    private final Optional<MinimumTcb> minimumTcb;
    private final List<String> allowedMeasurements;
    private final Optional<String> hostData;
    private final List<String> allowedIdKeyDigests;
    private final List<String> allowedAuthorKeyDigests;
    private final Optional<String> reportData;
    private final Optional<Product> product;
    private final boolean allowSoftwareEvidence;

    /** ABI version major.minor, as in the guest policy's ABI_MAJOR / ABI_MINOR. */
    public record AbiVersion(int major, int minor) {
        public AbiVersion {
            if (major < 0 || major > 255 || minor < 0 || minor > 255) {
                throw new IllegalArgumentException("ABI version parts must be 0..255");
            }
        }

        /** Reads "1.51". */
        public static AbiVersion parse(String text) {
            String[] parts = text.strip().split("\\.");
            if (parts.length != 2) {
                throw new IllegalArgumentException("ABI version '" + text + "' is not MAJOR.MINOR");
            }
            try {
                return new AbiVersion(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("ABI version '" + text + "' is not MAJOR.MINOR");
            }
        }

        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    private VerificationPolicy(Builder b) {
        allowDebug = b.allowDebug;
        allowMigrationAgent = b.allowMigrationAgent;
        allowSmt = b.allowSmt;
        minimumGuestAbi = b.minimumGuestAbi;
        vmpl = b.vmpl;
        minimumTcb = b.minimumTcb;
        allowedMeasurements = List.copyOf(b.allowedMeasurements);
        hostData = b.hostData;
        allowedIdKeyDigests = List.copyOf(b.allowedIdKeyDigests);
        allowedAuthorKeyDigests = List.copyOf(b.allowedAuthorKeyDigests);
        reportData = b.reportData;
        product = b.product;
        allowSoftwareEvidence = b.allowSoftwareEvidence;
    }

    /** Debug forbidden, migration agent forbidden, SMT allowed, VMPL 0, nothing else constrained. */
    public static VerificationPolicy defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.allowDebug = allowDebug;
        b.allowMigrationAgent = allowMigrationAgent;
        b.allowSmt = allowSmt;
        b.minimumGuestAbi = minimumGuestAbi;
        b.vmpl = vmpl;
        b.minimumTcb = minimumTcb;
        b.allowedMeasurements.addAll(allowedMeasurements);
        b.hostData = hostData;
        b.allowedIdKeyDigests.addAll(allowedIdKeyDigests);
        b.allowedAuthorKeyDigests.addAll(allowedAuthorKeyDigests);
        b.reportData = reportData;
        b.product = product;
        b.allowSoftwareEvidence = allowSoftwareEvidence;
        return b;
    }

    /** The same policy bound to the 64 REPORT_DATA bytes the caller expects (for example a nonce hash). */
    public VerificationPolicy withReportData(byte[] expected) {
        return toBuilder().reportData(expected).build();
    }

    public boolean allowDebug() {
        return allowDebug;
    }

    public boolean allowMigrationAgent() {
        return allowMigrationAgent;
    }

    /** When false, the guest policy must forbid SMT (bit 16 clear). */
    public boolean allowSmt() {
        return allowSmt;
    }

    public Optional<AbiVersion> minimumGuestAbi() {
        return minimumGuestAbi;
    }

    /** Required VMPL; empty means any. */
    public OptionalInt vmpl() {
        return vmpl;
    }

    public Optional<MinimumTcb> minimumTcb() {
        return minimumTcb;
    }

    /** Lower-case hex of acceptable MEASUREMENT values; empty means not checked. */
    public List<String> allowedMeasurements() {
        return allowedMeasurements;
    }

    public Optional<String> hostData() {
        return hostData;
    }

    public List<String> allowedIdKeyDigests() {
        return allowedIdKeyDigests;
    }

    public List<String> allowedAuthorKeyDigests() {
        return allowedAuthorKeyDigests;
    }

    /** Expected REPORT_DATA, lower-case hex of 64 bytes. */
    public Optional<String> reportData() {
        return reportData;
    }

    /** Product the report must come from; empty means whatever the report and certificates say. */
    public Optional<Product> product() {
        return product;
    }

    /**
     * Whether evidence without a hardware root ({@link dev.keep.attestation.protocol.SoftwareEvidence}, from the
     * nil or kvm backend) may pass. False unless set: such evidence is an unsigned claim anyone can make, so only a
     * development policy that says so explicitly accepts it. Not a key of the JSON policy format; service.toml sets
     * it per profile or secret with {@code allow_software_evidence = true}.
     */
    public boolean allowSoftwareEvidence() {
        return allowSoftwareEvidence;
    }

    /** Builder; hex setters validate length and throw {@link IllegalArgumentException} with a one-line reason. */
    public static final class Builder {
        private boolean allowDebug;
        private boolean allowMigrationAgent;
        private boolean allowSmt = true;
        private Optional<AbiVersion> minimumGuestAbi = Optional.empty();
        private OptionalInt vmpl = OptionalInt.of(0);
        private Optional<MinimumTcb> minimumTcb = Optional.empty();
        private final List<String> allowedMeasurements = new ArrayList<>();
        private Optional<String> hostData = Optional.empty();
        private final List<String> allowedIdKeyDigests = new ArrayList<>();
        private final List<String> allowedAuthorKeyDigests = new ArrayList<>();
        private Optional<String> reportData = Optional.empty();
        private Optional<Product> product = Optional.empty();
        private boolean allowSoftwareEvidence;

        private Builder() {}

        public Builder allowSoftwareEvidence(boolean allow) {
            allowSoftwareEvidence = allow;
            return this;
        }

        public Builder allowDebug(boolean allow) {
            allowDebug = allow;
            return this;
        }

        public Builder allowMigrationAgent(boolean allow) {
            allowMigrationAgent = allow;
            return this;
        }

        public Builder allowSmt(boolean allow) {
            allowSmt = allow;
            return this;
        }

        public Builder minimumGuestAbi(AbiVersion abi) {
            minimumGuestAbi = Optional.ofNullable(abi);
            return this;
        }

        /** Required VMPL 0..3, or null for any. */
        public Builder vmpl(Integer level) {
            if (level != null && (level < 0 || level > 3)) {
                throw new IllegalArgumentException("vmpl must be 0..3, got " + level);
            }
            vmpl = level == null ? OptionalInt.empty() : OptionalInt.of(level);
            return this;
        }

        public Builder minimumTcb(MinimumTcb minimum) {
            minimumTcb = Optional.ofNullable(minimum);
            return this;
        }

        public Builder allowMeasurement(String hex) {
            allowedMeasurements.add(normalise("measurement", hex, 48));
            return this;
        }

        public Builder hostData(String hex) {
            hostData = Optional.ofNullable(hex).map(h -> normalise("hostData", h, 32));
            return this;
        }

        public Builder allowIdKeyDigest(String hex) {
            allowedIdKeyDigests.add(normalise("idKeyDigest", hex, 48));
            return this;
        }

        public Builder allowAuthorKeyDigest(String hex) {
            allowedAuthorKeyDigests.add(normalise("authorKeyDigest", hex, 48));
            return this;
        }

        public Builder reportData(byte[] expected) {
            if (expected != null && expected.length != 64) {
                throw new IllegalArgumentException("reportData must be 64 bytes, got " + expected.length);
            }
            reportData = Optional.ofNullable(expected).map(Hex::encode);
            return this;
        }

        public Builder reportData(String hex) {
            reportData = Optional.ofNullable(hex).map(h -> normalise("reportData", h, 64));
            return this;
        }

        public Builder product(Product expected) {
            product = Optional.ofNullable(expected);
            return this;
        }

        public VerificationPolicy build() {
            return new VerificationPolicy(this);
        }

        private static String normalise(String what, String hex, int length) {
            if (hex == null) {
                throw new IllegalArgumentException(what + " must not be null");
            }
            byte[] bytes = Hex.decode(what, hex);
            if (bytes.length != length) {
                throw new IllegalArgumentException(what + " must be " + length + " bytes (" + 2 * length
                        + " hex digits), got " + bytes.length + " bytes");
            }
            return Hex.encode(bytes).toLowerCase(Locale.ROOT);
        }
    }
}
