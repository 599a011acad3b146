package dev.keep.loader.jail;

import dev.keep.loader.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runners that end, normally or killed by seccomp, leave nothing behind: no process, no mount in the
 * host's namespace, no rendezvous socket or folder in the temporary directory, no cgroup. The loop length is
 * {@code -Dkeep.jail.leftoverRuns=N}: by default the 200 runs, half of them killed (about four
 * minutes here); a smaller N makes a quick local check.
 */
class JailLeftoversTest {
    @TempDir
    Path dir;

    @Test
    void nothingIsLeftBehindAfterManyRuns() throws IOException {
        int runs = Integer.getInteger("keep.jail.leftoverRuns", 200);
        Path app = CliRun.assemble(dir, "/apps/exit-code.wat");
        List<String> tempBefore = jailTempEntries();
        List<String> mountsBefore = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        JailSupervisor supervisor = new JailSupervisor(JailLimits.DEFAULT, line -> {});
        for (int i = 0; i < runs; i++) {
            boolean killed = i % 2 == 1;
            EscapeAttempt escape = killed ? new EscapeAttempt(EscapeAttempt.Kind.EXECVE, "/keep/jdk/bin/java") : EscapeAttempt.NONE;
            RunnerEnd end = supervisor.supervise(
                    JailLaunches.of(app, InputStream.nullInputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream()), escape);
            if (killed) {
                assertInstanceOf(RunnerEnd.SeccompKilled.class, end, "run " + i);
            } else {
                assertEquals(new RunnerEnd.AppExited(7), end, "run " + i);
            }
            assertEquals(List.of(), liveDescendants(), "processes left after run " + i);
        }
        assertEquals(tempBefore, jailTempEntries(), "rendezvous folders left in " + tempDir());
        assertEquals(mountsBefore, Files.readAllLines(Path.of("/proc/self/mountinfo")), "mounts left in the host's namespace");
        assertEquals(List.of(), runnerGroups(), "runner cgroups left");
    }

    /** This process's runner groups still in the host's cgroup hierarchies (none when it has no cgroups). */
    private static List<String> runnerGroups() throws IOException {
        String prefix = "keep-" + ProcessHandle.current().pid() + "-";
        List<String> left = new java.util.ArrayList<>();
        for (Path parent : CgroupDelegation.probe().parents()) {
            try (Stream<Path> children = Files.list(parent)) {
                children.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(p -> left.add(p.toString()));
            }
        }
        return left;
    }

    private static List<String> liveDescendants() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList();
    }

    private static Path tempDir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static List<String> jailTempEntries() throws IOException {
        try (Stream<Path> entries = Files.list(tempDir())) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("keep-jail-")).sorted().toList();
        }
    }
}
