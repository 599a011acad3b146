package dev.keep.loader.jail;

import dev.keep.loader.backend.Availability;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Whether this host can jail a runner, and why not: bubblewrap installed, the namespaces it needs
 * creatable by this user, seccomp filters with SECCOMP_RET_KILL_PROCESS in the kernel. cgroup limits
 * are reported alongside but do not decide: without delegation the jail runs without them.
 */
public final class JailProbe {
    private static final int PROBE_TIMEOUT_SECONDS = 10;

    private JailProbe() {}

    /** bwrap on PATH, or in /usr/bin. */
    static Optional<Path> bwrap() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "bwrap"))) {
                return Optional.of(Path.of(dir, "bwrap"));
            }
        }
        Path usual = Path.of("/usr/bin/bwrap");
        return Files.isExecutable(usual) ? Optional.of(usual) : Optional.empty();
    }

    /** The jail's verdict for this host, with the cgroup state in the detail. */
    public static Availability probe() {
        Optional<Path> bwrap = bwrap();
        if (bwrap.isEmpty()) {
            return Availability.unavailable("bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)");
        }
        Optional<String> seccomp = seccompProblem();
        if (seccomp.isPresent()) {
            return Availability.unavailable(seccomp.get());
        }
        Optional<String> namespaces = namespaceProblem(bwrap.get());
        if (namespaces.isPresent()) {
            return Availability.unavailable(namespaces.get());
        }
        CgroupDelegation cgroups = CgroupDelegation.probe();
        return Availability.available("bubblewrap namespaces (user, mount, pid, ipc, uts, net) and seccomp; cgroup limits "
                + (cgroups.available() ? "on (memory, pids, cpu; " + cgroups.version() + ")" : "off: " + cgroups.reason()));
    }

    private static Optional<String> seccompProblem() {
        if (JailNative.prctl(JailAbi.PR_GET_SECCOMP, 0) < 0) {
            return Optional.of("seccomp is unavailable: the kernel was built without CONFIG_SECCOMP");
        }
        Path actions = Path.of("/proc/sys/kernel/seccomp/actions_avail");
        try {
            if (Files.exists(actions) && !Files.readString(actions).contains("kill_process")) {
                return Optional.of("seccomp is unavailable: the kernel lacks SECCOMP_RET_KILL_PROCESS (Linux 4.14+ needed)");
            }
        } catch (IOException e) {
            return Optional.of("seccomp state unreadable: " + e.getMessage());
        }
        return Optional.empty();
    }

    /** Runs bwrap with the jail's namespace set around {@code true}; its first error line is the reason. */
    private static Optional<String> namespaceProblem(Path bwrap) {
        Path truth = Files.isExecutable(Path.of("/bin/true")) ? Path.of("/bin/true") : Path.of("/usr/bin/true");
        List<String> command = new java.util.ArrayList<>(List.of(bwrap.toString()));
        command.addAll(BwrapCommand.NAMESPACES);
        command.addAll(List.of("--ro-bind", "/", "/", truth.toString()));
        try {
            Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            byte[] err = process.getErrorStream().readAllBytes();
            if (!process.waitFor(PROBE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Optional.of("bwrap did not finish its namespace check within " + PROBE_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() == 0) {
                return Optional.empty();
            }
            String first = new String(err, StandardCharsets.UTF_8).lines().findFirst().orElse("exit status " + process.exitValue());
            return Optional.of("bwrap cannot create the jail's namespaces (user namespaces denied?): " + first);
        } catch (IOException e) {
            return Optional.of("cannot run " + bwrap + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while checking bwrap");
        }
    }
}
