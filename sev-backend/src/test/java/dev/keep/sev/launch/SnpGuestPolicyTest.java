package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SnpGuestPolicyTest {

    @Test
    void defaultsAreQemusPolicyWithDebugOff() {
        SnpGuestPolicy policy = SnpGuestPolicy.defaults();
        assertEquals(0x30000L, policy.bits());
        assertFalse(policy.debug());
        assertEquals(policy, SnpGuestPolicy.fromMap(Map.of()));
    }

    @Test
    void eachSettingHasItsBit() {
        assertEquals(0x3011fL, SnpGuestPolicy.fromMap(Map.of("abi_major", 1L, "abi_minor", 31)).bits());
        assertEquals(0x20000L, SnpGuestPolicy.fromMap(Map.of("smt", false)).bits());
        assertEquals(0x70000L, SnpGuestPolicy.fromMap(Map.of("migrate_ma", true)).bits());
        assertEquals(0xb0000L, SnpGuestPolicy.fromMap(Map.of("debug", true)).bits());
        assertEquals(0x130000L, SnpGuestPolicy.fromMap(Map.of("single_socket", true)).bits());
        assertEquals(0x230000L, SnpGuestPolicy.fromMap(Map.of("cxl_allow", true)).bits());
        assertEquals(0x430000L, SnpGuestPolicy.fromMap(Map.of("mem_aes_256_xts", true)).bits());
        assertEquals(0x830000L, SnpGuestPolicy.fromMap(Map.of("rapl_dis", true)).bits());
        assertEquals(0x1030000L, SnpGuestPolicy.fromMap(Map.of("ciphertext_hiding_dram", true)).bits());
        assertEquals(0x2030000L, SnpGuestPolicy.fromMap(Map.of("page_swap_disable", true)).bits());
    }

    @Test
    void realReportPoliciesRoundTrip() {
        // POLICY values of the real reports in sev-snp.md §6 / testdata/snp.
        for (long bits : new long[] {0x30000L, 0x3001fL, 0xb0000L, 0x3ff3fffL}) {
            SnpGuestPolicy policy = SnpGuestPolicy.fromBits(bits);
            assertEquals(bits, policy.bits());
            assertEquals(policy, SnpGuestPolicy.fromMap(policy.toMap()));
        }
        assertTrue(SnpGuestPolicy.fromBits(0xb0000L).debug());
        assertEquals(0x1f, SnpGuestPolicy.fromBits(0x3001fL).abiMinor());
    }

    @Test
    void refusesMalformedPoliciesInOneLine() {
        assertEquals("SNP guest policy 0x10000 has reserved bit 17 clear; it must be 1",
                assertThrows(IllegalArgumentException.class, () -> SnpGuestPolicy.fromBits(0x10000)).getMessage());
        assertEquals("SNP guest policy 0x4030000 sets undefined bits 0x4000000 (bits 63:26 must be 0)",
                assertThrows(IllegalArgumentException.class, () -> SnpGuestPolicy.fromBits(0x4030000)).getMessage());
        String unknown = assertThrows(IllegalArgumentException.class,
                () -> SnpGuestPolicy.fromMap(Map.of("debg", true))).getMessage();
        assertTrue(unknown.startsWith("unknown SNP guest policy key 'debg'; known keys: abi_major, "), unknown);
        assertEquals("SNP guest policy 'debug' must be true or false, got yes",
                assertThrows(IllegalArgumentException.class,
                        () -> SnpGuestPolicy.fromMap(Map.of("debug", "yes"))).getMessage());
        assertEquals("SNP guest policy 'abi_major' must be 0-255, got 256",
                assertThrows(IllegalArgumentException.class,
                        () -> SnpGuestPolicy.fromMap(Map.of("abi_major", 256L))).getMessage());
        assertEquals("SNP guest policy 'abi_minor' must be an integer, got 1.5",
                assertThrows(IllegalArgumentException.class,
                        () -> SnpGuestPolicy.fromMap(Map.of("abi_minor", 1.5))).getMessage());
    }

    @Test
    void kvmAcceptsOnlyWhatItsLaunchStartLetsThrough() {
        SnpGuestPolicy.defaults().requireKvmAccepts();
        SnpGuestPolicy.fromMap(Map.of("debug", true, "abi_major", 1, "abi_minor", 55)).requireKvmAccepts();
        assertEquals("SNP guest policy 0x830000 sets rapl_dis, which KVM's SNP launch does not support",
                assertThrows(IllegalArgumentException.class,
                        () -> SnpGuestPolicy.fromMap(Map.of("rapl_dis", true)).requireKvmAccepts()).getMessage());
        assertEquals("SNP guest policy 0x70000 sets migrate_ma, which KVM's SNP launch does not support",
                assertThrows(IllegalArgumentException.class,
                        () -> SnpGuestPolicy.fromMap(Map.of("migrate_ma", true)).requireKvmAccepts()).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> SnpGuestPolicy.fromMap(Map.of("smt", false)).requireKvmAccepts());
        assertThrows(IllegalArgumentException.class,
                () -> SnpGuestPolicy.fromMap(Map.of("single_socket", true)).requireKvmAccepts());
    }
}
