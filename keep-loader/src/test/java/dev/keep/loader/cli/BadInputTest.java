package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.app;
import static dev.keep.loader.cli.CliRun.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.config.KeepTomls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad input gives one clear line on stderr and a non-zero exit, never a stack trace. */
class BadInputTest {
    @TempDir
    Path dir;

    /** A module whose only function claims to return an i32 but returns nothing. */
    private static final byte[] FAILS_VALIDATION = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,
        0x03, 0x02, 0x01, 0x00,
        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
    };

    private static void assertOneLineError(CliRun.Result r, int exit, String... fragments) {
        assertEquals(exit, r.exit(), r.err());
        assertFalse(r.hasStackTrace(), r.err());
        assertEquals(1, r.err().lines().count(), "exactly one line: " + r.err());
        assertTrue(r.err().startsWith("keep: "), r.err());
        for (String fragment : fragments) {
            assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in: " + r.err());
        }
    }

    @Test
    void missingFile() {
        assertOneLineError(keep("run", dir.resolve("absent.wasm").toString()), 1, "absent.wasm", "no such file");
    }

    @Test
    void directoryInsteadOfFile() {
        assertOneLineError(keep("run", dir.toString()), 1, "is a directory");
    }

    @Test
    void fileThatIsNotWasm() throws IOException {
        Path text = Files.writeString(dir.resolve("app.wasm"), "#!/bin/sh\necho hi\n");
        assertOneLineError(keep("run", text.toString()), 1, "not a WebAssembly module");
    }

    @Test
    void emptyFile() throws IOException {
        Path empty = Files.write(dir.resolve("empty.wasm"), new byte[0]);
        assertOneLineError(keep("run", empty.toString()), 1, "not a WebAssembly module");
    }

    @Test
    void truncatedModule() throws IOException {
        byte[] truncated = java.util.Arrays.copyOf(FAILS_VALIDATION, 12);
        Path file = Files.write(dir.resolve("truncated.wasm"), truncated);
        assertOneLineError(keep("run", file.toString()), 1, "malformed WebAssembly");
    }

    @Test
    void componentInsteadOfCoreModule() throws IOException {
        Path file = Files.write(dir.resolve("component.wasm"), new byte[] {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00});
        assertOneLineError(keep("run", file.toString()), 1, "component");
    }

    @Test
    void moduleThatFailsValidation() throws IOException {
        Path file = Files.write(dir.resolve("invalid.wasm"), FAILS_VALIDATION);
        assertOneLineError(keep("run", file.toString()), 1, "fails validation", "type mismatch");
    }

    @Test
    void importOfAFunctionKeepDoesNotProvide() {
        assertOneLineError(keep("run", app(dir, "imports-missing").toString()), 1, "env.launch_missiles", "does not provide");
    }

    @Test
    void importOfAWasiFunctionWithTheWrongType() {
        assertOneLineError(keep("run", app(dir, "wrong-wasi-type").toString()), 1, "wasi_snapshot_preview1.fd_write", "type");
    }

    @Test
    void moduleWithoutStart() {
        assertOneLineError(keep("run", app(dir, "no-start").toString()), 1, "no _start");
    }

    @Test
    void unknownBackend() {
        assertOneLineError(keep("run", "--backend", "qemu", app(dir, "exit-code").toString()), 2, "unknown backend 'qemu'");
    }

    @Test
    void backendThatIsUnavailableHere() {
        // SEV-SNP is never available on these machines (and the backend's launch path has not landed).
        assertOneLineError(keep("run", "--backend", "sev-snp", app(dir, "exit-code").toString()), 1,
                "backend sev-snp is unavailable");
    }

    @Test
    void malformedKeepToml() throws IOException {
        Path toml = Files.writeString(dir.resolve("Keep.toml"), "args = [\"a\"\n[env\n");
        assertOneLineError(keep("run", "--config", toml.toString(), app(dir, "exit-code").toString()), 1,
                "Keep.toml:", "invalid TOML");
    }

    @Test
    void keepTomlWithAnImpossibleValue() throws IOException {
        Path toml = Files.writeString(dir.resolve("Keep.toml"), KeepTomls.STANDARD_STREAMS + """
                [[files]]
                kind = "connect"
                addr = "127.0.0.1"
                port = 0
                """);
        assertOneLineError(keep("run", "--config", toml.toString(), app(dir, "exit-code").toString()), 1,
                "Keep.toml:10: files[3].port");
    }

    @Test
    void missingKeepToml() {
        assertOneLineError(keep("run", "--config", dir.resolve("nope.toml").toString(), "x.wasm"), 1, "nope.toml: no such file");
    }

    @Test
    void aConnectEntryNobodyAnswersIsOneLineNamingIt() throws IOException {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();   // closed again: nothing listens there
        }
        Path toml = Files.writeString(dir.resolve("Keep.toml"), KeepTomls.STANDARD_STREAMS + """
                [[files]]
                kind = "connect"
                addr = "127.0.0.1"
                port = %d
                """.formatted(port));
        assertOneLineError(keep("run", "--config", toml.toString(), app(dir, "exit-code").toString()), 1,
                "Keep.toml fd 3 (connect 127.0.0.1:" + port + "): Connection refused");
    }

    @Test
    void badEnvAndDirOptions() {
        assertOneLineError(keep("run", "--env", "NOVALUE", "x.wasm"), 2, "--env expects KEY=VALUE");
        assertOneLineError(keep("run", "--env", "=v", "x.wasm"), 2, "--env expects KEY=VALUE");
        assertOneLineError(keep("run", "--dir", dir.resolve("nope") + "::/x", "x.wasm"), 2, "is not a directory");
    }

    @Test
    void usageErrors() {
        assertOneLineError(keep("run"), 2, "Missing required parameter");
        assertOneLineError(keep("run", "--bogus", "x.wasm"), 2, "Unknown option");
        assertOneLineError(keep("bogus"), 2, "Unmatched argument");
        assertOneLineError(keep(), 2, "subcommand is required");
    }

    @Test
    void verboseAddsTheStackTraceOfAFailure() {
        CliRun.Result r = keep("-v", "run", dir.resolve("absent.wasm").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("no such file"), r.err());
    }
}
