package dev.keep.attestation.service;

import dev.keep.attestation.cert.ArkPins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;

/** Writes a service.toml into a folder and starts the real server on a free loopback port. */
final class ServiceFixture {
    static final String OTHER_MEASUREMENT = "11".repeat(48);

    private ServiceFixture() {}

    /** Profiles and secrets the tests use; report #1's measurement is allowed by "web" and "db-password". */
    static String standardToml() {
        return """
                listen = "127.0.0.1:0"
                max_body_bytes = 65536
                audit_log = "audit.jsonl"

                [ca]
                ephemeral = true

                [profiles.web]
                validity_minutes = 30
                dns_names = ["web.keep.internal"]
                [profiles.web.policy]
                allowedMeasurements = ["%1$s"]
                minimumTcb = { bootloader = 3, tee = 0, snp = 8, microcode = 115 }

                [profiles.newer-tcb]
                [profiles.newer-tcb.policy]
                minimumTcb = { bootloader = 3, tee = 0, snp = 9, microcode = 115 }

                [profiles.other-app]
                [profiles.other-app.policy]
                allowedMeasurements = ["%2$s"]

                [secrets.db-password]
                value = "correct horse battery staple"
                [secrets.db-password.policy]
                allowedMeasurements = ["%1$s"]

                [secrets.other-secret]
                value_base64 = "AAECAw=="
                [secrets.other-secret.policy]
                allowedMeasurements = ["%2$s"]
                """.formatted(SyntheticSnp.MEASUREMENT, OTHER_MEASUREMENT);
    }

    static Path writeConfig(Path dir, String toml) throws IOException {
        Path file = dir.resolve("service.toml");
        Files.writeString(file, toml);
        return file;
    }

    static AttestationServer start(Path dir, String toml, ArkPins pins, Clock clock) throws Exception {
        return AttestationServer.start(ServiceConfigLoader.load(writeConfig(dir, toml)), pins, clock);
    }
}
