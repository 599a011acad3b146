package dev.keep.loader.jail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether this host delegates cgroup v2 memory, pids and cpu control to Keep, and the per-runner
 * cgroups when it does. Delegated means: the supervisor's own cgroup v2 group is writable and already
 * enables the three controllers for its children (cgroup.subtree_control), as systemd arranges for a
 * unit with Delegate=yes. Keep never rearranges the host's hierarchy to get there.
 */
final class CgroupDelegation {
    private static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Path group;
    private final String reason;

    private CgroupDelegation(Path group, String reason) {
        this.group = group;
        this.reason = reason;
    }

    static CgroupDelegation probe() {
        try {
            Optional<Path> mount = cgroup2Mount();
            if (mount.isEmpty()) {
                return unavailable("no cgroup v2 hierarchy is mounted");
            }
            Optional<String> own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                    .filter(l -> l.startsWith("0::")).map(l -> l.substring(3)).findFirst();
            if (own.isEmpty()) {
                return unavailable("this process is in no cgroup v2 group");
            }
            Path group = mount.get().resolve(own.get().substring(1));
            String enabled = read(group.resolve("cgroup.subtree_control"));
            List<String> missing = CONTROLLERS.stream().filter(c -> !List.of(enabled.split("\\s+")).contains(c)).toList();
            if (!missing.isEmpty()) {
                String available = read(mount.get().resolve("cgroup.controllers"));
                return unavailable("cgroup v2 controllers " + String.join(", ", missing) + " are not delegated to " + group
                        + " (the v2 hierarchy offers [" + available.trim() + "]; the host keeps them elsewhere, e.g. cgroup v1)");
            }
            if (!Files.isWritable(group)) {
                return unavailable(group + " is not writable by this user");
            }
            return new CgroupDelegation(group, "");
        } catch (IOException e) {
            return unavailable("cannot read the cgroup hierarchy: " + e.getMessage());
        }
    }

    private static CgroupDelegation unavailable(String why) {
        return new CgroupDelegation(null, why);
    }

    boolean available() {
        return group != null;
    }

    /** Why limits cannot be applied; empty when they can. */
    String reason() {
        return reason;
    }

    /** A fresh child group with {@code limits} applied; the caller moves the runner in and removes it after. */
    RunnerCgroup create(JailLimits limits) throws IOException {
        Path child = group.resolve("keep-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet());
        Files.createDirectory(child);
        RunnerCgroup cgroup = new RunnerCgroup(child);
        try {
            Files.writeString(child.resolve("memory.max"), Long.toString(limits.memoryBytes()));
            Files.writeString(child.resolve("memory.swap.max"), "0");
            Files.writeString(child.resolve("pids.max"), Integer.toString(limits.maxPids()));
            Files.writeString(child.resolve("cpu.max"), (limits.cpuPercent() * 1000) + " 100000");
        } catch (IOException e) {
            cgroup.remove();
            throw e;
        }
        return cgroup;
    }

    /** One runner's cgroup. */
    record RunnerCgroup(Path path) {
        /** How many times the kernel's OOM killer struck in this group. */
        long oomKills() {
            try {
                for (String line : Files.readAllLines(path.resolve("memory.events"))) {
                    if (line.startsWith("oom_kill ")) {
                        return Long.parseLong(line.substring(9).trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return 0;
            }
            return 0;
        }

        /** Removes the group once its processes are gone (they may take a moment to be reaped). */
        void remove() {
            for (int attempt = 0; attempt < 50; attempt++) {
                try {
                    Files.deleteIfExists(path);
                    return;
                } catch (IOException e) {
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private static Optional<Path> cgroup2Mount() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] after = line.substring(dash + 3).split(" ");
            String[] before = line.substring(0, dash).split(" ");
            if (after.length > 0 && after[0].equals("cgroup2") && before.length > 4) {
                return Optional.of(Path.of(before[4]));
            }
        }
        return Optional.empty();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
