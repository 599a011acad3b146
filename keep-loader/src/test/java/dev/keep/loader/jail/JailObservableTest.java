package dev.keep.loader.jail;

import dev.keep.loader.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * While a jailed app runs, its runner process shows the jail in /proc: no new privileges, seccomp, own
 * namespaces, and (where the host lets Keep make cgroups) groups of its own.
 */
class JailObservableTest {
    /**
     * Where limits apply, /proc/PID/cgroup (seen from here, outside the runner's cgroup namespace)
     * names the runner's own groups: the v2 line, or the memory, pids and cpu lines under v1.
     */
    private static void assertInItsOwnCgroups(ProcessHandle runner) throws IOException {
        CgroupDelegation cgroups = CgroupDelegation.probe();
        List<String> lines = Files.readAllLines(Path.of("/proc/" + runner.pid() + "/cgroup"));
        String own = "/keep-" + ProcessHandle.current().pid() + "-";
        long inOwnGroups = lines.stream().filter(l -> l.contains(own)).count();
        assertEquals(cgroups.available() ? cgroups.parents().size() : 0, inOwnGroups, lines.toString());
    }

    @TempDir
    Path dir;

    @Test
    void theRunningRunnerIsConfined() throws Exception {
        Path app = CliRun.assemble(dir, "/jail/drain-stdin.wat");
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(feed);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<RunnerEnd> run = CompletableFuture.supplyAsync(() -> new JailSupervisor(JailLimits.DEFAULT, line -> {})
                .supervise(JailLaunches.of(app, stdin, out, new ByteArrayOutputStream()), EscapeAttempt.NONE));
        try {
            ProcessHandle runner = JailLaunches.awaitRunner();
            // The app is blocked reading stdin: it runs, so its seccomp filter is in place by now.
            feed.write("abc".getBytes(StandardCharsets.UTF_8));
            feed.flush();
            String status = awaitSeccomp(runner);
            assertTrue(status.contains("\nNoNewPrivs:\t1\n"), status);
            assertTrue(status.contains("\nSeccomp:\t2\n"), status);
            assertTrue(status.contains("\nCapEff:\t0000000000000000\n"), status);
            for (String ns : List.of("user", "mnt", "pid", "net", "ipc", "uts")) {
                assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)),
                        Files.readSymbolicLink(Path.of("/proc/" + runner.pid() + "/ns/" + ns)), ns + " namespace");
            }
            assertEquals("/", Files.readSymbolicLink(Path.of("/proc/" + runner.pid() + "/root")).toString());
            assertInItsOwnCgroups(runner);
            try (var top = Files.list(Path.of("/proc/" + runner.pid() + "/root/"))) {
                // The JDK and Keep's jars (/keep), the loader and libc (/usr, reached through the /lib and
                // /lib64 links of a merged-/usr host), devices, proc: no /etc, /home, /tmp, /root, /work.
                List<String> entries = top.map(p -> p.getFileName().toString()).sorted().toList();
                assertTrue(List.of("dev", "keep", "lib", "lib64", "proc", "usr").containsAll(entries), entries.toString());
                assertTrue(entries.contains("keep"), entries.toString());
            }
        } finally {
            feed.close();
        }
        RunnerEnd end = run.get(60, TimeUnit.SECONDS);
        assertEquals(new RunnerEnd.AppExited(0), end);
        assertEquals("read 3\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aRunnerKilledBySignalIsReportedAsSuch() throws Exception {
        Path app = CliRun.assemble(dir, "/jail/drain-stdin.wat");
        PipedOutputStream feed = new PipedOutputStream();
        PipedInputStream stdin = new PipedInputStream(feed);
        CompletableFuture<RunnerEnd> run = CompletableFuture.supplyAsync(() -> new JailSupervisor(JailLimits.DEFAULT, line -> {})
                .supervise(JailLaunches.of(app, stdin, new ByteArrayOutputStream(), new ByteArrayOutputStream()), EscapeAttempt.NONE));
        try {
            ProcessHandle runner = JailLaunches.awaitRunner();
            awaitSeccomp(runner);
            assertTrue(runner.destroyForcibly(), "SIGKILL sent");
            RunnerEnd end = run.get(60, TimeUnit.SECONDS);
            assertEquals(new RunnerEnd.Signalled(9), end);
            assertEquals("the runner was killed by signal 9 (SIGKILL)", end.describe());
            assertEquals(List.of(), ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList());
        } finally {
            feed.close();
        }
    }

    /** The runner's status once its filter is on (it installs it right after receiving its descriptors). */
    private static String awaitSeccomp(ProcessHandle runner) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String status = "";
        while (System.nanoTime() < deadline) {
            status = Files.readString(Path.of("/proc/" + runner.pid() + "/status"));
            if (status.contains("\nSeccomp:\t2\n")) {
                return status;
            }
            Thread.sleep(20);
        }
        return status;
    }
}
