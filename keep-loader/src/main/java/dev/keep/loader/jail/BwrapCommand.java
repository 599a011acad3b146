package dev.keep.loader.jail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts a jailed runner: bubblewrap with a fresh user, mount, PID, IPC, UTS
 * and network namespace (and cgroup namespace where the kernel has one), no capabilities, no new
 * privileges (bubblewrap always sets it), its own session (no terminal to inject input into), killed
 * with its parent, an empty environment and the {@link JailRoot}; inside, the runner's JVM.
 */
final class BwrapCommand {
    static final List<String> NAMESPACES = List.of(
            "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-net", "--unshare-cgroup-try");
    /** nobody: the runner owns nothing, not even in its own user namespace. */
    private static final String NOBODY = "65534";

    private BwrapCommand() {}

    /**
     * @param cgroups when not empty, a host shell first moves itself into each of these groups (one
     *     under cgroup v2, one per controller under v1) and then becomes bwrap, so the runner and
     *     everything it starts are inside from their first instruction
     * @param archive how {@code root} mounts the runner's class-data archive, for the matching JVM options
     */
    static List<String> build(Path bwrap, JailRoot root, ArchiveUse archive, JailLimits limits, List<Path> cgroups) {
        List<String> command = new ArrayList<>();
        if (!cgroups.isEmpty()) {
            // $0 is the shell's name; the groups follow up to "--", then the command it becomes.
            command.addAll(List.of("/bin/sh", "-c",
                    "while [ \"$1\" != -- ]; do echo $$ > \"$1/cgroup.procs\" || exit 125; shift; done; shift; exec \"$@\"",
                    "keep-cgroup-join"));
            cgroups.forEach(group -> command.add(group.toString()));
            command.add("--");
        }
        command.add(bwrap.toString());
        command.addAll(NAMESPACES);
        command.addAll(List.of("--die-with-parent", "--new-session", "--clearenv", "--cap-drop", "ALL",
                "--uid", NOBODY, "--gid", NOBODY, "--hostname", "keep", "--chdir", "/"));
        command.addAll(root.mountArguments());
        command.add(JailRoot.JDK + "/bin/java");
        command.addAll(List.of(
                "--enable-native-access=ALL-UNNAMED",
                // As the keep launcher: deep Wasm recursion needs a large Java stack.
                "-Xss16m",
                "-Xmx" + (limits.heapBytes() >> 20) + "m",
                // No GC worker threads, no perf-data file in a /tmp the jail does not have.
                "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-Xshare:auto", "-Xlog:disable", "-Xlog:all=error:stderr"));
        command.addAll(archive.jvmOptions());
        command.addAll(List.of(
                "-cp", root.runnerClassPath(),
                JailedRunnerMain.class.getName(), JailRoot.CHANNEL));
        return command;
    }

    static Path javaHome() {
        return Path.of(System.getProperty("java.home"));
    }
}
