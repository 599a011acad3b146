package dev.keep.loader.jail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.cli.CliRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner's cgroup limits, enforced by the kernel: a runner touching more native memory than its
 * memory limit is ended by the OOM killer and the supervisor says so in one line; thread creation
 * stops at pids.max; two busy threads get about cpu.max of CPU time. Each runner's groups are gone
 * afterwards. On a host that lets Keep make no cgroups, the jail must say why instead (and every test
 * checks that), since limits apply only "where the host delegates them".
 */
class JailCgroupLimitsTest {
    private static final CgroupDelegation CGROUPS = CgroupDelegation.probe();

    @TempDir
    Path dir;

    private final List<String> verbose = new ArrayList<>();

    private RunnerEnd attempt(JailLimits limits, EscapeAttempt escape) {
        Path app = CliRun.assemble(dir, "/apps/exit-code.wat");
        RunnerEnd end = new JailSupervisor(limits, verbose::add).supervise(
                JailLaunches.of(app, InputStream.nullInputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream()),
                escape);
        System.out.println("[jail limits] " + escape.kind() + ": " + end.describe());
        return end;
    }

    /** True when limits apply here; otherwise asserts the jail reported why not. */
    private boolean limitsApply() {
        if (CGROUPS.available()) {
            return true;
        }
        assertFalse(CGROUPS.reason().isEmpty());
        RunnerEnd end = attempt(JailLimits.DEFAULT, EscapeAttempt.NONE);
        assertEquals(new RunnerEnd.AppExited(7), end);
        assertTrue(verbose.contains("jail: no cgroup limits: " + CGROUPS.reason()), verbose.toString());
        return false;
    }

    @AfterEach
    void noGroupIsLeftBehind() throws IOException {
        for (Path parent : CGROUPS.parents()) {
            try (Stream<Path> children = Files.list(parent)) {
                String pid = Long.toString(ProcessHandle.current().pid());
                assertEquals(List.of(), children.map(p -> p.getFileName().toString())
                        .filter(n -> n.startsWith("keep-" + pid + "-")).toList(), "groups left in " + parent);
            }
        }
    }

    @Test
    void theJailSaysWhichLimitsApply() {
        if (limitsApply()) {
            assertEquals(new RunnerEnd.AppExited(7), attempt(JailLimits.DEFAULT, EscapeAttempt.NONE));
            assertTrue(verbose.contains("jail: cgroup limits (" + CGROUPS.version()
                    + "): memory 2048 MiB, 256 pids, 100% of a CPU"), verbose.toString());
        }
    }

    @Test
    void theOomKillerEndsARunnerOverItsMemoryLimit() {
        if (limitsApply()) {
            JailLimits limits = new JailLimits(256L << 20, 256, 100);
            RunnerEnd end = attempt(limits, new EscapeAttempt(EscapeAttempt.Kind.EXHAUST_MEMORY, "2048"));
            assertInstanceOf(RunnerEnd.OomKilled.class, end, end.describe());
            assertEquals("the runner was killed by the kernel's OOM killer at its 256 MiB memory limit", end.describe());
            assertEquals(128 + 9, new JailEndedException(end).exitStatus());
        }
    }

    @Test
    void threadCreationStopsAtThePidsLimit() {
        if (limitsApply()) {
            RunnerEnd end = attempt(new JailLimits(2L << 30, 48, 100),
                    new EscapeAttempt(EscapeAttempt.Kind.EXHAUST_PIDS, "1000"));
            Matcher m = Pattern.compile("thread creation started (\\d+) threads, then stopped at the kernel refused one")
                    .matcher(end.describe());
            assertTrue(m.find(), end.describe());
            int started = Integer.parseInt(m.group(1));
            // The JVM's own threads and bwrap count too, so fewer than 48 new ones start.
            assertTrue(started > 0 && started < 48, end.describe());
        }
    }

    @Test
    void twoBusyThreadsGetAboutTheCpuQuota() {
        if (limitsApply()) {
            RunnerEnd end = attempt(new JailLimits(2L << 30, 256, 20),
                    new EscapeAttempt(EscapeAttempt.Kind.BURN_CPU, "1500"));
            Matcher m = Pattern.compile("CPU burn got (\\d+) ms of CPU in (\\d+) ms").matcher(end.describe());
            assertTrue(m.find(), end.describe());
            long cpu = Long.parseLong(m.group(1));
            long wall = Long.parseLong(m.group(2));
            // 20% of one CPU for the whole group; unthrottled, two spinning threads get 1-2 CPUs.
            assertTrue(cpu <= wall * 0.4, end.describe());
            assertTrue(wall >= 1500, end.describe());
        }
    }
}
