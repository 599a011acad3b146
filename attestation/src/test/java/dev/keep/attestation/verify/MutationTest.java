package dev.keep.attestation.verify;

import static dev.keep.attestation.SnpTestData.*;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.policy.VerificationPolicy;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Flipping any field of a valid report (trustee report #3, v2) must make verification fail. */
class MutationTest {
    /** Every field and reserved area of the report: name -> {offset, length}. */
    private static final Map<String, int[]> FIELDS = new LinkedHashMap<>();

    static {
        field("VERSION", 0x000, 4);
        field("GUEST_SVN", 0x004, 4);
        field("POLICY", 0x008, 8);
        field("FAMILY_ID", 0x010, 16);
        field("IMAGE_ID", 0x020, 16);
        field("VMPL", 0x030, 4);
        field("SIGNATURE_ALGO", 0x034, 4);
        field("CURRENT_TCB", 0x038, 8);
        field("PLATFORM_INFO", 0x040, 8);
        field("SIGNER_INFO", 0x048, 4);
        field("RESERVED_04C", 0x04C, 4);
        field("REPORT_DATA", 0x050, 64);
        field("MEASUREMENT", 0x090, 48);
        field("HOST_DATA", 0x0C0, 32);
        field("ID_KEY_DIGEST", 0x0E0, 48);
        field("AUTHOR_KEY_DIGEST", 0x110, 48);
        field("REPORT_ID", 0x140, 32);
        field("REPORT_ID_MA", 0x160, 32);
        field("REPORTED_TCB", 0x180, 8);
        field("RESERVED_188", 0x188, 24);
        field("CHIP_ID", 0x1A0, 64);
        field("COMMITTED_TCB", 0x1E0, 8);
        field("CURRENT_VERSION", 0x1E8, 4);
        field("COMMITTED_VERSION", 0x1EC, 4);
        field("LAUNCH_TCB", 0x1F0, 8);
        field("RESERVED_1F8", 0x1F8, 0x2A0 - 0x1F8);
        field("SIGNATURE_R", 0x2A0, 72);
        field("SIGNATURE_S", 0x2E8, 72);
        field("SIGNATURE_RESERVED", 0x330, 0x4A0 - 0x330);
    }

    private static void field(String name, int offset, int length) {
        FIELDS.put(name, new int[] {offset, length});
    }

    private final ReportVerifier verifier = new ReportVerifier(ArkPins.amd(), clockAt(VALID_TIME));

    @Test
    void originalVerifies() {
        assertTrue(verifier.verify(evidence(R3_REPORT, R3_VCEK, MILAN_ASK_ARK_ASVK), VerificationPolicy.defaults())
                .verified());
    }

    @Test
    void everyFieldMutatedAtItsFirstMiddleAndLastByteFailsVerification() {
        byte[] original = bytes(R3_REPORT);
        for (Map.Entry<String, int[]> f : FIELDS.entrySet()) {
            int offset = f.getValue()[0];
            int length = f.getValue()[1];
            for (int position : new int[] {offset, offset + length / 2, offset + length - 1}) {
                byte[] mutated = original.clone();
                mutated[position] ^= 0x01;
                Verdict v = verifier.verify(evidence(mutated, R3_VCEK, MILAN_ASK_ARK_ASVK),
                        VerificationPolicy.defaults());
                assertFalse(v.verified(), f.getKey() + " byte 0x" + Integer.toHexString(position)
                        + " mutated, yet verified:\n" + v.toText());
                boolean signedPart = position < 0x2A0;
                if (signedPart && !f.getKey().equals("VERSION")) {
                    assertFalse(v.check("report.signature").orElseThrow().passed(), f.getKey());
                }
            }
        }
    }
}
