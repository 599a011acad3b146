package dev.keep.loader.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.sev.launch.SnpGuestPolicy;
import dev.keep.sev.launch.SnpIdBlock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keep.toml's {@code [sev]} section: guest policy, host_data and ID block of an SEV-SNP launch. */
class SevConfigParserTest {
    @TempDir
    Path dir;

    private static final String HOST_DATA = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    private SevConfig sev(String text) throws IOException {
        return KeepConfigParser.parse(Files.writeString(dir.resolve("Keep.toml"), text)).sev();
    }

    private String error(String text) throws IOException {
        Path file = Files.writeString(dir.resolve("Keep.toml"), text);
        ConfigException e = assertThrows(ConfigException.class, () -> KeepConfigParser.parse(file));
        return e.getMessage().replace(dir + "/", "");
    }

    @Test
    void withoutASectionTheLaunchUsesTheDefaultPolicyAndZeroHostData() throws IOException {
        SevConfig sev = sev("args = [\"a\"]\n");
        assertEquals(SnpGuestPolicy.defaults(), sev.policy());
        assertEquals(0x30000, sev.policy().bits());
        assertArrayEquals(new byte[32], sev.hostData());
        assertEquals(Optional.empty(), sev.idBlock());
        assertEquals(SevConfig.defaults().policy(), KeepConfig.defaults().sev().policy());
    }

    @Test
    void flatKeysInTheSectionSetThePolicy() throws IOException {
        SevConfig sev = sev("[sev]\nabi_major = 1\nabi_minor = 51\ndebug = true\nhost_data = \"" + HOST_DATA + "\"\n");
        assertEquals(SnpGuestPolicy.fromMap(Map.of("abi_major", 1, "abi_minor", 51, "debug", true)), sev.policy());
        assertEquals(0xB0133, sev.policy().bits());
        assertArrayEquals(HexFormat.of().parseHex(HOST_DATA), sev.hostData());
    }

    @Test
    void aPolicyTableInlineOrAsItsOwnSectionSetsTheSamePolicy() throws IOException {
        SnpGuestPolicy inline = sev("[sev]\npolicy = { abi_major = 1, smt = true }\n").policy();
        SnpGuestPolicy section = sev("[sev.policy]\nabi_major = 1\nsmt = true\n").policy();
        SnpGuestPolicy flat = sev("[sev]\nabi_major = 1\n").policy();
        assertEquals(flat, inline);
        assertEquals(flat, section);
        assertEquals(0x30100, flat.bits());
    }

    @Test
    void policiesKvmRefusesAreReportedAtTheirKey() throws IOException {
        assertEquals("Keep.toml:3: sev.smt: SNP guest policy must allow SMT (smt = true): KVM refuses a launch"
                + " without the SMT bit", error("[sev]\ndebug = false\nsmt = false\n"));
        assertEquals("Keep.toml:2: sev.single_socket: SNP guest policy single_socket = true is not supported by KVM",
                error("[sev]\nsingle_socket = true\n"));
        assertEquals("Keep.toml:2: sev.migrate_ma: SNP guest policy 0x70000 sets migrate_ma, which KVM's SNP launch"
                + " does not support", error("[sev]\nmigrate_ma = true\n"));
        // Inside an inline table the line is the table's.
        assertEquals("Keep.toml:2: sev.policy.cxl_allow: SNP guest policy 0x230000 sets cxl_allow, which KVM's SNP"
                + " launch does not support", error("[sev]\npolicy = { debug = false, cxl_allow = true }\n"));
    }

    @Test
    void wrongTypesUnknownKeysAndMixedFormsNameLineAndKey() throws IOException {
        assertEquals("Keep.toml:2: sev.abi_major: must be a whole number from 0 to 255, got 256",
                error("[sev]\nabi_major = 256\n"));
        assertEquals("Keep.toml:2: sev.abi_minor: must be a whole number from 0 to 255, got the string \"1\"",
                error("[sev]\nabi_minor = \"1\"\n"));
        assertEquals("Keep.toml:2: sev.debug: must be true or false, got the string \"yes\"",
                error("[sev]\ndebug = \"yes\"\n"));
        assertEquals("Keep.toml:2: sev.vmpl: unknown key; expected one of abi_major, abi_minor, author_key,"
                + " ciphertext_hiding_dram, cxl_allow, debug, host_data, id_auth, id_block, mem_aes_256_xts,"
                + " migrate_ma, page_swap_disable, policy, rapl_dis, single_socket, smt", error("[sev]\nvmpl = 1\n"));
        assertEquals("Keep.toml:2: sev.policy.host_data: unknown key; expected one of abi_major, abi_minor,"
                + " ciphertext_hiding_dram, cxl_allow, debug, mem_aes_256_xts, migrate_ma, page_swap_disable,"
                + " rapl_dis, single_socket, smt", error("[sev]\npolicy = { host_data = \"00\" }\n"));
        assertEquals("Keep.toml:3: sev.debug: is a policy key next to sev.policy; set it inside sev.policy or drop"
                + " the policy table", error("[sev]\npolicy = { smt = true }\ndebug = true\n"));
        assertEquals("Keep.toml:1: sev: must be a table, got the number 3", error("sev = 3\n"));
        assertEquals("Keep.toml:2: sev.policy: must be a table, got the number 196608",
                error("[sev]\npolicy = 0x30000\n"));
    }

    @Test
    void hostDataIs64HexDigits() throws IOException {
        assertEquals("Keep.toml:2: sev.host_data: must be 64 hex digits (32 bytes), got 4 characters 'abcd'",
                error("[sev]\nhost_data = \"abcd\"\n"));
        assertEquals("Keep.toml:2: sev.host_data: must be 64 hex digits (32 bytes), got 64 characters '"
                + "zz" + HOST_DATA.substring(2) + "'", error("[sev]\nhost_data = \"zz" + HOST_DATA.substring(2) + "\"\n"));
        assertEquals("Keep.toml:2: sev.host_data: must be a string, got the number 1", error("[sev]\nhost_data = 1\n"));
        // Digits of other scripts are not hex digits.
        String arabicIndic = "\u0661".repeat(64);
        assertTrue(error("[sev]\nhost_data = \"" + arabicIndic + "\"\n")
                .startsWith("Keep.toml:2: sev.host_data: must be 64 hex digits (32 bytes), got 64 characters"));
        assertArrayEquals(HexFormat.of().parseHex(HOST_DATA.toUpperCase()),
                sev("[sev]\nhost_data = \"" + HOST_DATA.toUpperCase() + "\"\n").hostData());
    }

    @Test
    void anIdBlockAndItsAuthStructureAreReadFromFilesNextToKeepToml() throws IOException {
        Files.write(dir.resolve("id-block.bin"), idBlock(0xB0000));
        byte[] auth = new byte[4096];
        auth[0] = 1;
        Files.write(dir.resolve("id-auth.bin"), auth);
        SevConfig sev = sev("[sev]\ndebug = true\nid_block = \"id-block.bin\"\nid_auth = \"id-auth.bin\"\n"
                + "author_key = true\n");
        SnpIdBlock block = sev.idBlock().orElseThrow();
        assertArrayEquals(idBlock(0xB0000), block.idBlock());
        assertArrayEquals(auth, block.idAuth());
        assertTrue(block.authorKeyEnabled());
        assertEquals(sev.policy().bits(), block.policy());
    }

    @Test
    void idBlockProblemsNameLineAndKey() throws IOException {
        Files.write(dir.resolve("id-block.bin"), idBlock(0x30000));
        Files.write(dir.resolve("short.bin"), new byte[95]);
        Files.write(dir.resolve("id-auth.bin"), new byte[4096]);
        assertEquals("Keep.toml:2: sev.id_block: needs id_auth, the ID authentication structure that signs it",
                error("[sev]\nid_block = \"id-block.bin\"\n"));
        assertEquals("Keep.toml:2: sev.id_auth: goes with id_block: the ID authentication structure signs an ID"
                + " block", error("[sev]\nid_auth = \"id-auth.bin\"\n"));
        assertEquals("Keep.toml:2: sev.author_key: goes with id_block and id_auth", error("[sev]\nauthor_key = true\n"));
        assertEquals("Keep.toml:2: sev.id_block: 'short.bin' must be exactly 96 bytes, got 95",
                error("[sev]\nid_block = \"short.bin\"\nid_auth = \"id-auth.bin\"\n"));
        assertTrue(error("[sev]\nid_block = \"id-block.bin\"\nid_auth = \"none.bin\"\n")
                .startsWith("Keep.toml:3: sev.id_auth: 'none.bin' is not a file ("));
        assertEquals("Keep.toml:3: sev.id_block: vouches for guest policy 0x30000 but [sev] sets 0xb0000; the firmware"
                + " would refuse the launch",
                error("[sev]\ndebug = true\nid_block = \"id-block.bin\"\nid_auth = \"id-auth.bin\"\n"));
    }

    /** An ID block (96 bytes) that vouches for {@code policy}, version 1, launch digest 0xAA... */
    private static byte[] idBlock(long policy) {
        ByteBuffer block = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 48; i++) {
            block.put((byte) 0xAA);
        }
        return block.putInt(0x50, 1).putLong(0x58, policy).array();
    }
}
