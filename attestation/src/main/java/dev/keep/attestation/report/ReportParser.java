package dev.keep.attestation.report;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Parses SEV-SNP attestation reports. Only versions whose layout is known are accepted (2, 3, 5): a newer
 * version may move fields, and reading it with an old layout would report wrong values as if they were right.
 */
public final class ReportParser {
    /** Report versions this parser reads; 4 exists in the ABI but is not accepted until its layout is checked. */
    public static final Set<Integer> SUPPORTED_VERSIONS = Set.of(2, 3, 5);
    public static final int REPORT_SIZE = ReportLayout.SIZE;

    private ReportParser() {}

    /**
     * Parses report file contents: either the 1184 raw bytes or the same bytes as hex text (whitespace and a
     * leading 0x allowed).
     */
    public static AttestationReport parseFileContents(byte[] contents) throws ReportFormatException {
        if (contents == null || contents.length == 0) {
            throw new ReportFormatException("report is empty");
        }
        if (contents.length == REPORT_SIZE) {
            return parse(contents);
        }
        Optional<byte[]> decoded = looksLikeText(contents)
                ? Hex.tryDecode(new String(contents, StandardCharsets.US_ASCII))
                : Optional.empty();
        if (decoded.isPresent()) {
            return parse(decoded.get());
        }
        return parse(contents);
    }

    /** Parses exactly one binary report. */
    public static AttestationReport parse(byte[] bytes) throws ReportFormatException {
        if (bytes == null || bytes.length == 0) {
            throw new ReportFormatException("report is empty");
        }
        if (bytes.length < REPORT_SIZE) {
            throw new ReportFormatException("report is truncated: " + bytes.length + " bytes, an SNP attestation "
                    + "report is exactly " + REPORT_SIZE + " bytes");
        }
        if (bytes.length > REPORT_SIZE) {
            throw new ReportFormatException("report is oversized: " + bytes.length + " bytes, an SNP attestation "
                    + "report is exactly " + REPORT_SIZE + " bytes");
        }
        long version = (bytes[0] & 0xFFL) | (bytes[1] & 0xFFL) << 8 | (bytes[2] & 0xFFL) << 16
                | (bytes[3] & 0xFFL) << 24;
        if (!SUPPORTED_VERSIONS.contains((int) version) || version > Integer.MAX_VALUE) {
            String why = version > 5 ? "newer than this verifier understands" : "not supported";
            throw new ReportFormatException("report version " + version + " is " + why
                    + " (supported versions: 2, 3, 5)");
        }
        return new AttestationReport(bytes, reservedViolations(bytes, (int) version));
    }

    private static List<String> reservedViolations(byte[] b, int version) {
        List<String> bad = new ArrayList<>();
        checkZero(b, ReportLayout.RESERVED_04C, 4, "reserved 0x04C", bad);
        if ((b[ReportLayout.SIGNER_INFO] & 0xE0) != 0 || b[ReportLayout.SIGNER_INFO + 1] != 0
                || b[ReportLayout.SIGNER_INFO + 2] != 0 || b[ReportLayout.SIGNER_INFO + 3] != 0) {
            bad.add("signer info bits 31:5");
        }
        if (version >= 3) {
            checkZero(b, ReportLayout.RESERVED_18B, ReportLayout.CHIP_ID - ReportLayout.RESERVED_18B,
                    "reserved 0x18B", bad);
        } else {
            checkZero(b, ReportLayout.CPUID_FAM_ID, ReportLayout.CHIP_ID - ReportLayout.CPUID_FAM_ID,
                    "reserved 0x188", bad);
        }
        checkZero(b, ReportLayout.RESERVED_1EB, 1, "reserved 0x1EB", bad);
        checkZero(b, ReportLayout.RESERVED_1EF, 1, "reserved 0x1EF", bad);
        int tailStart = version >= 5 ? ReportLayout.RESERVED_208 : ReportLayout.LAUNCH_MIT_VECTOR;
        checkZero(b, tailStart, ReportLayout.SIGNATURE_R - tailStart,
                String.format("reserved 0x%03X", tailStart), bad);
        checkZero(b, ReportLayout.SIGNATURE_RESERVED, ReportLayout.SIZE - ReportLayout.SIGNATURE_RESERVED,
                "signature reserved 0x330", bad);
        return bad;
    }

    private static void checkZero(byte[] b, int offset, int length, String name, List<String> bad) {
        for (int i = offset; i < offset + length; i++) {
            if (b[i] != 0) {
                bad.add(name);
                return;
            }
        }
    }

    private static boolean looksLikeText(byte[] contents) {
        for (byte c : contents) {
            if (c < 0x09 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }
}
