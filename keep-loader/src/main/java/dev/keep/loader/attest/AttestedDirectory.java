package dev.keep.loader.attest;

import dev.keep.loader.KeepException;
import dev.keep.loader.config.FileEntry;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

/**
 * The host copy of what attestation obtained, laid out for the app: {@code cert.pem}, {@code key.pem} and
 * {@code secrets/NAME} in a private temporary directory (0700, files 0400) that the app sees read-only at the guest
 * path. It exists only while the app runs: {@link #close()} deletes it, and a shutdown hook does so if the loader is
 * stopped by a signal first. Only the host user that runs {@code keep} can read it; on sev-snp the key and secrets
 * will stay inside the keep instead (see {@link KeepAttestation}).
 */
public final class AttestedDirectory implements AutoCloseable {
    static final String CERTIFICATE = "cert.pem";
    static final String KEY = "key.pem";
    static final String SECRETS = "secrets";

    private final Path host;
    private final String guest;
    private final Thread cleanup;

    private AttestedDirectory(Path host, String guest) {
        this.host = host;
        this.guest = guest;
        this.cleanup = new Thread(this::delete, "keep-attestation-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /** Writes the material into a fresh private directory; nothing is left behind if writing fails. */
    static AttestedDirectory write(String guest, Optional<String> chainPem, String keyPem, Map<String, byte[]> secrets) {
        Path host;
        try {
            host = Files.createTempDirectory("keep-attestation-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            throw new KeepException("attestation: cannot create a private directory for the certificate and secrets: "
                    + e.getMessage());
        }
        AttestedDirectory dir = new AttestedDirectory(host, guest);
        try {
            if (chainPem.isPresent()) {
                dir.file(host.resolve(CERTIFICATE), chainPem.get().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            dir.file(host.resolve(KEY), keyPem.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            if (!secrets.isEmpty()) {
                Path secretDir = Files.createDirectory(host.resolve(SECRETS),
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                for (Map.Entry<String, byte[]> s : secrets.entrySet()) {
                    dir.file(secretDir.resolve(s.getKey()), s.getValue());
                }
            }
            return dir;
        } catch (IOException e) {
            dir.close();
            throw new KeepException("attestation: cannot write to " + host + ": " + e.getMessage());
        }
    }

    /** Owner-read-only file created with those permissions, so it is never readable by others even briefly. */
    private void file(Path file, byte[] contents) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, contents);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    }

    /** The preopened directory entry: read-only at the guest path. */
    public FileEntry.Dir entry() {
        return new FileEntry.Dir(Optional.empty(), host, guest, true);
    }

    public Path hostPath() {
        return host;
    }

    public String guestPath() {
        return guest;
    }

    @Override
    public void close() {
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down and runs the hook itself; deleting twice is harmless.
        }
    }

    private void delete() {
        try {
            Files.walkFileTree(host, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw new KeepException("attestation: cannot delete " + host + " after the run (" + e.getMessage()
                    + "); it holds the keep's key, delete it by hand");
        }
    }
}
