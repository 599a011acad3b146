package dev.keep.loader.jail;

import dev.keep.loader.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jailed runner, once locked down, tries to reach past its descriptors: open a host file by
 * path, execve a program, create a socket, connect. Each is refused or gets the runner killed, and the
 * supervisor says which in one line.
 */
class JailEscapeTest {
    @TempDir
    Path dir;

    private RunnerEnd attempt(EscapeAttempt.Kind kind, String target) {
        Path app = CliRun.assemble(dir, "/apps/exit-code.wat");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        RunnerEnd end = new JailSupervisor(JailLimits.DEFAULT, line -> {})
                .supervise(JailLaunches.of(app, InputStream.nullInputStream(), new ByteArrayOutputStream(), err), new EscapeAttempt(kind, target));
        assertEquals("", err.toString(), "the runner printed nothing of its own");
        return end;
    }

    @Test
    void openingAHostPathFindsNothing() throws IOException {
        Path secret = Files.writeString(dir.resolve("secret.txt"), "host data");
        RunnerEnd end = attempt(EscapeAttempt.Kind.OPEN, secret.toString());
        assertInstanceOf(RunnerEnd.EscapeRefused.class, end);
        assertEquals("the runner's open(" + secret + ") refused: No such file or directory", end.describe());
    }

    @Test
    void openingTheHostsEtcFindsNothing() {
        RunnerEnd end = attempt(EscapeAttempt.Kind.OPEN, "/etc/passwd");
        assertEquals("the runner's open(/etc/passwd) refused: No such file or directory", end.describe());
    }

    @Test
    void execveKillsTheRunner() {
        RunnerEnd end = attempt(EscapeAttempt.Kind.EXECVE, "/keep/jdk/bin/java");
        assertInstanceOf(RunnerEnd.SeccompKilled.class, end);
        assertEquals("the runner was killed by seccomp (SIGSYS): it made a system call outside its allow-list", end.describe());
    }

    @Test
    void connectKillsTheRunner() throws IOException {
        try (ServerSocket listening = new ServerSocket(0)) {
            RunnerEnd end = attempt(EscapeAttempt.Kind.CONNECT, Integer.toString(listening.getLocalPort()));
            assertInstanceOf(RunnerEnd.SeccompKilled.class, end);
        }
    }

    @Test
    void creatingASocketIsRefused() {
        RunnerEnd end = attempt(EscapeAttempt.Kind.SOCKET, "");
        assertEquals("the runner's socket(AF_INET) refused: Permission denied", end.describe());
    }

    @Test
    void aSeccompKillIsOneLineAndExitStatus159OnTheCommandLine() {
        JailEndedException e = new JailEndedException(new RunnerEnd.SeccompKilled());
        assertEquals(159, e.exitStatus());
        assertTrue(e.getMessage().startsWith("jail: the runner was killed by seccomp (SIGSYS)"));
        assertEquals(128 + 9, new JailEndedException(new RunnerEnd.Signalled(9)).exitStatus());
        assertEquals("the runner was killed by signal 11 (SIGSEGV)", new RunnerEnd.Signalled(11).describe());
    }
}
