package dev.keep.attestation.verify;

import dev.keep.attestation.policy.VerificationPolicy;
import dev.keep.attestation.report.AttestationReport;
import dev.keep.attestation.report.GuestPolicy;
import dev.keep.attestation.report.Hex;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.report.TcbVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The relying party's policy applied to a report's contents. Items the policy leaves open produce no check, so a
 * verdict never shows a "passed" line for something that was not compared.
 */
final class PolicyChecks {
    private PolicyChecks() {}

    static List<Check> checks(AttestationReport report, Optional<Product> product, VerificationPolicy policy) {
        List<Check> out = new ArrayList<>();
        GuestPolicy guest = report.policy();
        out.add(guest.wellFormed()
                ? Check.pass("policy.format", "guest policy 0x" + Long.toHexString(guest.raw())
                        + " has reserved bit 17 set and bits 63:26 clear")
                : Check.fail("policy.format", "guest policy 0x" + Long.toHexString(guest.raw())
                        + " violates the ABI (bit 17 must be 1, bits 63:26 must be 0)"));
        out.add(permission("policy.debug", "debugging", guest.debugAllowed(), policy.allowDebug()));
        out.add(permission("policy.migrationAgent", "a migration agent", guest.migrationAgentAllowed(),
                policy.allowMigrationAgent()));
        if (!policy.allowSmt()) {
            out.add(guest.smtAllowed()
                    ? Check.fail("policy.smt", "guest policy allows SMT; the policy requires SMT to be forbidden")
                    : Check.pass("policy.smt", "guest policy forbids SMT"));
        }
        policy.minimumGuestAbi().ifPresent(abi -> out.add(guest.abiAtLeast(abi.major(), abi.minor())
                ? Check.pass("policy.guestAbi", "guest requires ABI " + guest.abi() + " >= " + abi)
                : Check.fail("policy.guestAbi", "guest requires only ABI " + guest.abi() + "; policy minimum is "
                        + abi)));
        policy.vmpl().ifPresent(vmpl -> out.add(report.vmpl() == vmpl
                ? Check.pass("policy.vmpl", "VMPL " + report.vmpl())
                : Check.fail("policy.vmpl", "VMPL is " + report.vmpl() + "; the policy requires " + vmpl)));
        policy.minimumTcb().ifPresent(min -> out.add(minimumTcb(report, product, min)));
        if (!policy.allowedMeasurements().isEmpty()) {
            out.add(oneOf("policy.measurement", "MEASUREMENT", Hex.encode(report.measurement()),
                    policy.allowedMeasurements()));
        }
        policy.hostData().ifPresent(expected -> out.add(oneOf("policy.hostData", "HOST_DATA",
                Hex.encode(report.hostData()), List.of(expected))));
        if (!policy.allowedIdKeyDigests().isEmpty()) {
            out.add(oneOf("policy.idKeyDigest", "ID_KEY_DIGEST", Hex.encode(report.idKeyDigest()),
                    policy.allowedIdKeyDigests()));
        }
        if (!policy.allowedAuthorKeyDigests().isEmpty()) {
            out.add(report.authorKeyEnabled()
                    ? oneOf("policy.authorKeyDigest", "AUTHOR_KEY_DIGEST", Hex.encode(report.authorKeyDigest()),
                            policy.allowedAuthorKeyDigests())
                    : Check.fail("policy.authorKeyDigest", "AUTHOR_KEY_EN is 0: the launch used no author key"));
        }
        policy.reportData().ifPresent(expected -> out.add(oneOf("policy.reportData", "REPORT_DATA",
                Hex.encode(report.reportData()), List.of(expected))));
        return out;
    }

    private static Check permission(String name, String what, boolean guestAllows, boolean policyAllows) {
        if (!guestAllows) {
            return Check.pass(name, "guest policy forbids " + what);
        }
        return policyAllows
                ? Check.pass(name, "guest policy allows " + what + "; accepted because the policy allows it")
                : Check.fail(name, "guest policy allows " + what + "; the policy forbids it");
    }

    private static Check minimumTcb(AttestationReport report, Optional<Product> product,
            dev.keep.attestation.policy.MinimumTcb min) {
        if (product.isEmpty()) {
            return Check.fail("policy.minimumTcb", "REPORTED_TCB cannot be decoded without knowing the product");
        }
        TcbVersion reported = report.reportedTcb(product.get().tcbLayout());
        List<String> shortfalls = min.shortfalls(reported);
        return shortfalls.isEmpty()
                ? Check.pass("policy.minimumTcb", "REPORTED_TCB " + reported + " meets minimum " + min)
                : Check.fail("policy.minimumTcb", "REPORTED_TCB below minimum: " + String.join(", ", shortfalls));
    }

    private static Check oneOf(String name, String field, String actual, List<String> allowed) {
        return allowed.contains(actual)
                ? Check.pass(name, field + " " + actual + " is allowed")
                : Check.fail(name, field + " " + actual + (allowed.size() == 1 ? " is not the expected "
                        + allowed.get(0) : " is not one of the " + allowed.size() + " allowed values"));
    }
}
