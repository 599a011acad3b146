package dev.keep.attestation.report;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One parsed SEV-SNP attestation report (versions 2, 3 and 5). Every field of the 1184-byte structure is
 * exposed; byte-array accessors return copies. TCB fields are kept raw because their byte layout depends on
 * the product, which a version 2 report does not name: decode them with {@link #reportedTcb(TcbLayout)} etc.
 * Build instances with {@link ReportParser}.
 */
public final class AttestationReport {
    private final byte[] raw;
    private final int version;
    private final List<String> nonZeroReservedFields;

    AttestationReport(byte[] raw, List<String> nonZeroReservedFields) {
        this.raw = raw.clone();
        this.version = (int) u32(ReportLayout.VERSION);
        this.nonZeroReservedFields = List.copyOf(nonZeroReservedFields);
    }

    /** The exact 1184 bytes the report was parsed from. */
    public byte[] rawBytes() {
        return raw.clone();
    }

    /** Bytes 0x000..0x29F, the part covered by the signature. */
    public byte[] signedBytes() {
        return Arrays.copyOfRange(raw, 0, ReportLayout.SIGNED_LENGTH);
    }

    public int version() {
        return version;
    }

    public long guestSvn() {
        return u32(ReportLayout.GUEST_SVN);
    }

    public GuestPolicy policy() {
        return new GuestPolicy(u64(ReportLayout.POLICY));
    }

    public byte[] familyId() {
        return bytes(ReportLayout.FAMILY_ID, 16);
    }

    public byte[] imageId() {
        return bytes(ReportLayout.IMAGE_ID, 16);
    }

    public long vmpl() {
        return u32(ReportLayout.VMPL);
    }

    /** 1 means ECDSA P-384 with SHA-384, the only algorithm defined. */
    public long signatureAlgorithm() {
        return u32(ReportLayout.SIGNATURE_ALGO);
    }

    public long currentTcbRaw() {
        return u64(ReportLayout.CURRENT_TCB);
    }

    public PlatformInfo platformInfo() {
        return new PlatformInfo(u64(ReportLayout.PLATFORM_INFO));
    }

    public long signerInfoRaw() {
        return u32(ReportLayout.SIGNER_INFO);
    }

    public boolean authorKeyEnabled() {
        return (signerInfoRaw() & 1) != 0;
    }

    public boolean maskChipKey() {
        return (signerInfoRaw() & 2) != 0;
    }

    public SigningKey signingKey() {
        return SigningKey.fromEncoding((int) ((signerInfoRaw() >>> 2) & 7));
    }

    public byte[] reportData() {
        return bytes(ReportLayout.REPORT_DATA, 64);
    }

    public byte[] measurement() {
        return bytes(ReportLayout.MEASUREMENT, 48);
    }

    public byte[] hostData() {
        return bytes(ReportLayout.HOST_DATA, 32);
    }

    public byte[] idKeyDigest() {
        return bytes(ReportLayout.ID_KEY_DIGEST, 48);
    }

    public byte[] authorKeyDigest() {
        return bytes(ReportLayout.AUTHOR_KEY_DIGEST, 48);
    }

    public byte[] reportId() {
        return bytes(ReportLayout.REPORT_ID, 32);
    }

    public byte[] reportIdMa() {
        return bytes(ReportLayout.REPORT_ID_MA, 32);
    }

    public long reportedTcbRaw() {
        return u64(ReportLayout.REPORTED_TCB);
    }

    /** CPUID family (with extended family) of the chip; empty before report version 3. */
    public Optional<Integer> cpuidFamily() {
        return version >= 3 ? Optional.of(u8(ReportLayout.CPUID_FAM_ID)) : Optional.empty();
    }

    public Optional<Integer> cpuidModel() {
        return version >= 3 ? Optional.of(u8(ReportLayout.CPUID_MOD_ID)) : Optional.empty();
    }

    public Optional<Integer> cpuidStepping() {
        return version >= 3 ? Optional.of(u8(ReportLayout.CPUID_STEP)) : Optional.empty();
    }

    public byte[] chipId() {
        return bytes(ReportLayout.CHIP_ID, 64);
    }

    public long committedTcbRaw() {
        return u64(ReportLayout.COMMITTED_TCB);
    }

    public FirmwareVersion currentVersion() {
        return new FirmwareVersion(u8(ReportLayout.CURRENT_MAJOR), u8(ReportLayout.CURRENT_MINOR),
                u8(ReportLayout.CURRENT_BUILD));
    }

    public FirmwareVersion committedVersion() {
        return new FirmwareVersion(u8(ReportLayout.COMMITTED_MAJOR), u8(ReportLayout.COMMITTED_MINOR),
                u8(ReportLayout.COMMITTED_BUILD));
    }

    public long launchTcbRaw() {
        return u64(ReportLayout.LAUNCH_TCB);
    }

    /** Version 5 only. */
    public OptionalLong launchMitigationVector() {
        return version >= 5 ? OptionalLong.of(u64(ReportLayout.LAUNCH_MIT_VECTOR)) : OptionalLong.empty();
    }

    /** Version 5 only. */
    public OptionalLong currentMitigationVector() {
        return version >= 5 ? OptionalLong.of(u64(ReportLayout.CURRENT_MIT_VECTOR)) : OptionalLong.empty();
    }

    /** Signature R as stored: 72 bytes little-endian. */
    public byte[] signatureR() {
        return bytes(ReportLayout.SIGNATURE_R, ReportLayout.SIGNATURE_COMPONENT_LENGTH);
    }

    /** Signature S as stored: 72 bytes little-endian. */
    public byte[] signatureS() {
        return bytes(ReportLayout.SIGNATURE_S, ReportLayout.SIGNATURE_COMPONENT_LENGTH);
    }

    public TcbVersion currentTcb(TcbLayout layout) {
        return TcbVersion.decode(currentTcbRaw(), layout);
    }

    public TcbVersion reportedTcb(TcbLayout layout) {
        return TcbVersion.decode(reportedTcbRaw(), layout);
    }

    public TcbVersion committedTcb(TcbLayout layout) {
        return TcbVersion.decode(committedTcbRaw(), layout);
    }

    public TcbVersion launchTcb(TcbLayout layout) {
        return TcbVersion.decode(launchTcbRaw(), layout);
    }

    /**
     * The product as far as the report itself tells: from CPUID (v3+), or Turin when a v2 CHIP_ID has only its
     * first 8 bytes set. Empty for v2 Milan/Genoa, which cannot be told apart from the report alone.
     */
    public Optional<Product> productFromReport() {
        if (version >= 3) {
            return Product.fromCpuid(cpuidFamily().orElseThrow(), cpuidModel().orElseThrow());
        }
        byte[] chip = chipId();
        boolean headSet = false;
        for (int i = 0; i < 8; i++) {
            headSet |= chip[i] != 0;
        }
        for (int i = 8; i < chip.length; i++) {
            if (chip[i] != 0) {
                return Optional.empty();
            }
        }
        return headSet ? Optional.of(Product.TURIN) : Optional.empty();
    }

    /** True when CHIP_ID is all zero (masked by MASK_CHIP_ID or by the provider). */
    public boolean chipIdMasked() {
        for (byte b : chipId()) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** Names of reserved (must-be-zero) regions that are not zero; empty for a well-formed report. */
    public List<String> nonZeroReservedFields() {
        return nonZeroReservedFields;
    }

    private byte[] bytes(int offset, int length) {
        return Arrays.copyOfRange(raw, offset, offset + length);
    }

    private int u8(int offset) {
        return raw[offset] & 0xFF;
    }

    private long u32(int offset) {
        return ((long) u8(offset)) | ((long) u8(offset + 1) << 8) | ((long) u8(offset + 2) << 16)
                | ((long) u8(offset + 3) << 24);
    }

    private long u64(int offset) {
        return u32(offset) | (u32(offset + 4) << 32);
    }
}
