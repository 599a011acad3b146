package dev.keep.attestation.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** service.toml: the standard test file reads back as written; mistakes are one-line errors naming the key. */
class ServiceConfigLoaderTest {
    @TempDir
    Path dir;

    private ServiceConfig load(String toml) throws Exception {
        return ServiceConfigLoader.load(ServiceFixture.writeConfig(dir, toml));
    }

    private String error(String toml) {
        String message = assertThrows(ConfigException.class, () -> load(toml)).getMessage();
        assertTrue(!message.contains("\n"), message);
        return message;
    }

    @Test
    void standardConfigReadsBack() throws Exception {
        ServiceConfig c = load(ServiceFixture.standardToml());
        assertEquals("127.0.0.1", c.host());
        assertEquals(0, c.port());
        assertEquals(65536, c.maxBodyBytes());
        assertEquals(dir.resolve("audit.jsonl").toAbsolutePath(), c.auditLog().toAbsolutePath());
        assertTrue(c.ca().ephemeral());
        assertEquals(Duration.ofMinutes(30), c.profiles().get("web").validity());
        assertEquals(Duration.ofMinutes(60), c.profiles().get("other-app").validity());
        assertEquals(SyntheticSnp.MEASUREMENT, c.profiles().get("web").policy().allowedMeasurements().getFirst());
        assertEquals(8, c.profiles().get("web").policy().minimumTcb().orElseThrow().snp());
        assertEquals("correct horse battery staple", new String(c.secrets().get("db-password").value()));
        assertEquals(4, c.secrets().get("other-secret").value().length);
        assertTrue(!c.kds().fetch());
        assertEquals(Duration.ofMinutes(5), c.challenges().lifetime(), "default nonce lifetime");
        assertEquals(10_000, c.challenges().maxOutstanding());
        assertTrue(c.profiles().get("web").requireNonce(), "nonces are required unless a policy waives them");
        assertTrue(c.secrets().get("db-password").requireNonce());
    }

    @Test
    void challengeSettingsAndNonceWaiverReadBack() throws Exception {
        ServiceConfig c = load("[ca]\nephemeral = true\n[challenge]\nlifetime_seconds = 90\nmax_outstanding = 7\n"
                + "[profiles.legacy]\nrequire_nonce = false\n[secrets.s]\nvalue = \"x\"\nrequire_nonce = false\n"
                + "[secrets.s.policy]\nallowedMeasurements = [\"" + SyntheticSnp.MEASUREMENT + "\"]\n");
        assertEquals(Duration.ofSeconds(90), c.challenges().lifetime());
        assertEquals(7, c.challenges().maxOutstanding());
        assertTrue(!c.profiles().get("legacy").requireNonce());
        assertTrue(!c.secrets().get("s").requireNonce());
    }

    @Test
    void mistakesAreNamed() {
        String ca = "[ca]\nephemeral = true\n";
        assertTrue(error("listen = \"nope\"\n" + ca).contains("'listen' must be HOST:PORT"));
        assertTrue(error("lisen = \"127.0.0.1:1\"\n" + ca).contains("unknown key lisen"));
        assertTrue(error("listen = \"127.0.0.1:1\"\n").contains("[ca] is required"));
        assertTrue(error(ca + "[profiles.p]\nvalidity_minutes = 100000\n").contains("validity_minutes"));
        assertTrue(error(ca + "[profiles.p.policy]\nallowDebugg = true\n").contains("allowDebugg"));
        assertTrue(error(ca + "[secrets.s]\nvalue = \"x\"\n").contains("must list the measurements"));
        assertTrue(error(ca + "[tls]\ncert = \"a.pem\"\n").contains("[tls] needs both"));
        assertTrue(error("this is not toml").contains("not valid TOML"));
        assertTrue(error(ca + "[challenge]\nlifetime_seconds = 0\n").contains("'challenge.lifetime_seconds'"));
        assertTrue(error(ca + "[challenge]\nmax_outstanding = 0\n").contains("'challenge.max_outstanding'"));
        assertTrue(error(ca + "[challenge]\nttl = 5\n").contains("unknown key challenge.ttl"));
        assertTrue(error(ca + "[profiles.p]\nrequire_nonce = \"no\"\n").contains("'profiles.p.require_nonce' must be"));
    }
}
