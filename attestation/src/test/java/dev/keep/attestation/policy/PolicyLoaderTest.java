package dev.keep.attestation.policy;

import static dev.keep.attestation.SnpTestData.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.attestation.cert.ArkPins;
import dev.keep.attestation.report.Product;
import dev.keep.attestation.verify.Check;
import dev.keep.attestation.verify.ReportVerifier;
import dev.keep.attestation.verify.Verdict;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyLoaderTest {
    private static final String MEASUREMENT_1 = "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0d"
            + "c39b2c60bd95b9c480cd81841f";

    @TempDir
    Path dir;

    private static VerificationPolicy parse(String json) throws PolicyException {
        return PolicyLoader.parse(json.getBytes(StandardCharsets.UTF_8), "test");
    }

    private static Verdict verifyReport1(VerificationPolicy policy) {
        return new ReportVerifier(ArkPins.amd(), clockAt(VALID_TIME)).verify(evidence(R1_REPORT, R1_VCEK, R1_CHAIN),
                policy);
    }

    @Test
    void loadsEveryKeyFromAFile() throws Exception {
        Path file = dir.resolve("p.json");
        Files.writeString(file, """
                {"allowDebug": true, "allowMigrationAgent": true, "allowSmt": false, "minimumGuestAbi": "1.51",
                 "vmpl": 2, "minimumTcb": {"bootloader": 3, "snp": 8, "microcode": 115},
                 "allowedMeasurements": ["%s"], "hostData": "%s", "allowedIdKeyDigests": ["%s"],
                 "allowedAuthorKeyDigests": ["%s"], "reportData": "%s", "product": "milan"}
                """.formatted(MEASUREMENT_1, "00".repeat(32), "11".repeat(48), "22".repeat(48), "33".repeat(64)));
        VerificationPolicy p = PolicyLoader.load(file);
        assertTrue(p.allowDebug());
        assertTrue(p.allowMigrationAgent());
        assertFalse(p.allowSmt());
        assertEquals("1.51", p.minimumGuestAbi().orElseThrow().toString());
        assertEquals(2, p.vmpl().orElseThrow());
        assertEquals(new MinimumTcb(3, 0, 8, 115, 0), p.minimumTcb().orElseThrow());
        assertEquals(MEASUREMENT_1, p.allowedMeasurements().get(0));
        assertEquals(Product.MILAN, p.product().orElseThrow());
        assertEquals("33".repeat(64), p.reportData().orElseThrow());
    }

    @Test
    void nullVmplMeansAny() throws Exception {
        assertTrue(parse("{\"vmpl\": null}").vmpl().isEmpty());
        assertEquals(0, parse("{}").vmpl().orElseThrow());
    }

    @Test
    void rejectsUnknownKeysWithTheirName() {
        PolicyException e = assertThrows(PolicyException.class, () -> parse("{\"allowDebugg\": true}"));
        assertTrue(e.getMessage().startsWith("test: unknown key 'allowDebugg' (known keys: allowDebug,"),
                e.getMessage());
        PolicyException nested = assertThrows(PolicyException.class, () -> parse("{\"minimumTcb\": {\"ucode\": 1}}"));
        assertTrue(nested.getMessage().contains("unknown key 'minimumTcb.ucode'"), nested.getMessage());
    }

    @Test
    void rejectsBadValuesWithOneLine() {
        for (String bad : new String[] {"[]", "{", "{\"allowDebug\": \"yes\"}", "{\"vmpl\": 7}",
            "{\"allowedMeasurements\": [\"abcd\"]}", "{\"hostData\": \"zz\"}", "{\"product\": \"Rome\"}",
            "{\"minimumTcb\": {\"snp\": 300}}", "{\"minimumGuestAbi\": \"one\"}", "{\"a\": 1, \"a\": 2}"}) {
            PolicyException e = assertThrows(PolicyException.class, () -> parse(bad), bad);
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().startsWith("test: "), e.getMessage());
        }
        assertTrue(assertThrows(PolicyException.class, () -> PolicyLoader.load(dir.resolve("none.json")))
                .getMessage().contains("does not exist"));
    }

    @Test
    void acceptingPolicyPassesEveryConfiguredCheck() throws Exception {
        VerificationPolicy p = parse("""
                {"allowedMeasurements": ["%s"], "hostData": "%s", "allowedIdKeyDigests": ["%s"],
                 "minimumTcb": {"bootloader": 3, "tee": 0, "snp": 8, "microcode": 115}, "minimumGuestAbi": "0.0",
                 "product": "Milan"}
                """.formatted(MEASUREMENT_1, "00".repeat(32), "00".repeat(48)));
        byte[] reportData = dev.keep.attestation.report.Hex.decode("rd", "d447b55d197491bfe15cf298f9de9986b7a7c4be2468"
                + "b4f6e2d53b71d7c645810b0f2cdfca0040433be063fc1a8293f0f3f8dae7b79fecb3d1cd82bd6a93ebfd");
        Verdict v = new ReportVerifier(ArkPins.amd(), clockAt(VALID_TIME)).verify(
                evidence(R1_REPORT, R1_VCEK, R1_CHAIN), p, reportData);
        assertTrue(v.verified(), v::toText);
        for (String name : new String[] {"policy.measurement", "policy.hostData", "policy.idKeyDigest",
            "policy.minimumTcb", "policy.guestAbi", "policy.reportData", "policy.vmpl", "policy.debug"}) {
            assertTrue(v.check(name).orElseThrow().passed(), name);
        }
    }

    @Test
    void eachPolicyItemCanReject() throws Exception {
        String[][] cases = {
            {"{\"allowedMeasurements\": [\"" + "ab".repeat(48) + "\"]}", "policy.measurement"},
            {"{\"hostData\": \"" + "01".repeat(32) + "\"}", "policy.hostData"},
            {"{\"allowedIdKeyDigests\": [\"" + "01".repeat(48) + "\"]}", "policy.idKeyDigest"},
            {"{\"allowedAuthorKeyDigests\": [\"" + "00".repeat(48) + "\"]}", "policy.authorKeyDigest"},
            {"{\"minimumTcb\": {\"snp\": 9}}", "policy.minimumTcb"},
            {"{\"minimumTcb\": {\"microcode\": 116}}", "policy.minimumTcb"},
            {"{\"vmpl\": 1}", "policy.vmpl"},
            {"{\"allowSmt\": false}", "policy.smt"},
            {"{\"minimumGuestAbi\": \"1.51\"}", "policy.guestAbi"},
            {"{\"reportData\": \"" + "00".repeat(64) + "\"}", "policy.reportData"},
        };
        for (String[] c : cases) {
            Verdict v = verifyReport1(parse(c[0]));
            assertFalse(v.verified(), c[0]);
            assertEquals(java.util.List.of(c[1]), v.failures().stream().map(Check::name).toList(), c[0]);
        }
    }

    @Test
    void debugAndMigrationAgentBitsAreRefusedUnlessAllowed() throws Exception {
        Verdict debug = new ReportVerifier(ArkPins.amd(), clockAt(VALID_TIME)).verify(
                evidence(R2_REPORT, R2_VCEK, MILAN_ASK_ARK), VerificationPolicy.defaults());
        assertEquals("guest policy allows debugging; the policy forbids it",
                debug.check("policy.debug").orElseThrow().detail());
    }
}
