package dev.keep.attestation.verify;

import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.protocol.SoftwareEvidence;
import dev.keep.attestation.report.Hex;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Verifies {@link SoftwareEvidence}: evidence without a hardware root. There is no signature or certificate chain to
 * check, so the verdict rests on the policy alone: the {@code evidence.hardwareRoot} check fails unless the policy
 * explicitly allows software evidence, and the measurement allow-list and the REPORT_DATA binding apply as for SNP
 * reports. Policy items only a secure processor can attest (TCB, host data, ID and author keys, product, guest ABI,
 * SMT) fail when the policy constrains them, rather than pass unexamined. Never throws.
 */
public final class SoftwareEvidenceVerifier {
    private SoftwareEvidenceVerifier() {}

    public static Verdict verify(SoftwareEvidence evidence, VerificationPolicy policy) {
        List<Check> checks = new ArrayList<>();
        checks.add(policy.allowSoftwareEvidence()
                ? Check.pass("evidence.hardwareRoot", "software evidence from the " + evidence.backend()
                        + " backend has NO hardware root; accepted only because the policy allows software evidence")
                : Check.fail("evidence.hardwareRoot", "software evidence from the " + evidence.backend()
                        + " backend has no hardware root; the policy does not allow software evidence "
                        + "(allow_software_evidence)"));
        String measurement = Hex.encode(evidence.measurement());
        if (!policy.allowedMeasurements().isEmpty()) {
            checks.add(policy.allowedMeasurements().contains(measurement)
                    ? Check.pass("policy.measurement", "MEASUREMENT " + measurement + " is allowed")
                    : Check.fail("policy.measurement", "MEASUREMENT " + measurement + " is not one of the "
                            + policy.allowedMeasurements().size() + " allowed values"));
        }
        unattestable(checks, "policy.minimumTcb", "a TCB version", policy.minimumTcb().isPresent());
        unattestable(checks, "policy.hostData", "HOST_DATA", policy.hostData().isPresent());
        unattestable(checks, "policy.idKeyDigest", "an ID key", !policy.allowedIdKeyDigests().isEmpty());
        unattestable(checks, "policy.authorKeyDigest", "an author key", !policy.allowedAuthorKeyDigests().isEmpty());
        unattestable(checks, "policy.product", "a product", policy.product().isPresent());
        unattestable(checks, "policy.guestAbi", "a guest ABI", policy.minimumGuestAbi().isPresent());
        unattestable(checks, "policy.smt", "an SMT setting", !policy.allowSmt());
        policy.reportData().ifPresent(expected -> {
            String actual = Hex.encode(evidence.reportData());
            checks.add(actual.equals(expected)
                    ? Check.pass("policy.reportData", "REPORT_DATA " + actual + " is allowed")
                    : Check.fail("policy.reportData", "REPORT_DATA " + actual + " is not the expected " + expected));
        });
        return new Verdict(checks, Optional.empty(), Optional.empty(), Optional.of(evidence));
    }

    private static void unattestable(List<Check> checks, String name, String what, boolean constrained) {
        if (constrained) {
            checks.add(Check.fail(name, "the policy constrains " + what + ", which software evidence cannot show"));
        }
    }
}
