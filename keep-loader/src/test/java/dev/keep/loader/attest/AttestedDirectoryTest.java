package dev.keep.loader.attest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.config.FileEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The host copy is private to the user (0700, files 0400), preopened read-only, and gone after close. */
class AttestedDirectoryTest {
    @Test
    void privateReadOnlyAndDeletedOnClose() throws Exception {
        byte[] secret = {0, 1, 2, (byte) 0xff};
        Path host;
        try (AttestedDirectory dir = AttestedDirectory.write("/keep/attestation", Optional.of("CHAIN"), "KEY",
                Map.of("db.password", secret))) {
            host = dir.hostPath();
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(host)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                    host.resolve("secrets"))));
            for (String f : new String[] {"cert.pem", "key.pem", "secrets/db.password"}) {
                assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                        host.resolve(f))), f);
            }
            assertEquals("CHAIN", Files.readString(host.resolve("cert.pem"), StandardCharsets.US_ASCII));
            assertEquals("KEY", Files.readString(host.resolve("key.pem"), StandardCharsets.US_ASCII));
            assertArrayEquals(secret, Files.readAllBytes(host.resolve("secrets/db.password")));
            assertEquals(new FileEntry.Dir(Optional.empty(), host, "/keep/attestation", true), dir.entry());
        }
        assertFalse(Files.exists(host));
    }

    @Test
    void withoutACertificateOrSecretsOnlyTheKeyIsWritten() throws Exception {
        try (AttestedDirectory dir = AttestedDirectory.write("/a", Optional.empty(), "KEY", Map.of())) {
            try (var files = Files.list(dir.hostPath())) {
                assertEquals(java.util.List.of("key.pem"), files.map(p -> p.getFileName().toString()).toList());
            }
            assertTrue(Files.isDirectory(dir.hostPath()));
        }
    }
}
