package dev.keep.loader.jail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether this host lets Keep put each runner in cgroups of its own with memory, pids and cpu limits,
 * and the per-runner groups when it does.
 *
 * <p>cgroup v2 first: the supervisor's own v2 group must be writable and already enable the three
 * controllers for its children (cgroup.subtree_control), as systemd arranges for a unit with
 * Delegate=yes. Otherwise cgroup v1, as hosts still in the hybrid layout have it: the supervisor's own
 * group in each of the memory, pids and cpu hierarchies (from /proc/self/cgroup) must be writable by
 * this user; the runner's groups are made beneath them. Either way Keep only creates children of the
 * groups it already is in, and never rearranges the host's hierarchy.
 */
final class CgroupDelegation {
    private static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final long CPU_PERIOD_MICROS = 100_000;

    /** Where the runner's groups go. */
    private sealed interface Layout {
        String describe();
    }

    /** One v2 group that enables all three controllers for its children. */
    private record V2(Path group) implements Layout {
        public String describe() {
            return "cgroup v2";
        }
    }

    /** The supervisor's groups in the three v1 hierarchies. */
    private record V1(Path memory, Path pids, Path cpu) implements Layout {
        public String describe() {
            return "cgroup v1";
        }
    }

    private final Layout layout;
    private final String reason;

    private CgroupDelegation(Layout layout, String reason) {
        this.layout = layout;
        this.reason = reason;
    }

    static CgroupDelegation probe() {
        try {
            List<String> mountInfo = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            List<String> ownGroups = Files.readAllLines(Path.of("/proc/self/cgroup"));
            String v2 = probeV2(mountInfo, ownGroups);
            if (v2.isEmpty()) {
                return new CgroupDelegation(v2Layout(mountInfo, ownGroups), "");
            }
            String v1 = probeV1(mountInfo, ownGroups);
            if (v1.isEmpty()) {
                return new CgroupDelegation(v1Layout(mountInfo, ownGroups), "");
            }
            return new CgroupDelegation(null, v2 + "; " + v1);
        } catch (IOException e) {
            return new CgroupDelegation(null, "cannot read the cgroup hierarchy: " + e.getMessage());
        }
    }

    /** Empty when v2 delegation is usable, else why not. */
    private static String probeV2(List<String> mountInfo, List<String> ownGroups) throws IOException {
        Optional<Path> mount = mountPoint(mountInfo, "cgroup2", "");
        if (mount.isEmpty()) {
            return "no cgroup v2 hierarchy is mounted";
        }
        Optional<String> own = ownGroup(ownGroups, "");
        if (own.isEmpty()) {
            return "this process is in no cgroup v2 group";
        }
        Path group = mount.get().resolve(own.get().substring(1));
        String enabled = read(group.resolve("cgroup.subtree_control"));
        List<String> missing = CONTROLLERS.stream().filter(c -> !List.of(enabled.split("\\s+")).contains(c)).toList();
        if (!missing.isEmpty()) {
            String available = read(mount.get().resolve("cgroup.controllers"));
            return "cgroup v2 controllers " + String.join(", ", missing) + " are not delegated to " + group
                    + " (the v2 hierarchy offers [" + available.trim() + "])";
        }
        if (!Files.isWritable(group)) {
            return group + " is not writable by this user";
        }
        return "";
    }

    private static Layout v2Layout(List<String> mountInfo, List<String> ownGroups) {
        Path mount = mountPoint(mountInfo, "cgroup2", "").orElseThrow();
        return new V2(mount.resolve(ownGroup(ownGroups, "").orElseThrow().substring(1)));
    }

    /** Empty when the three v1 groups of this process are there and writable, else why not. */
    private static String probeV1(List<String> mountInfo, List<String> ownGroups) {
        for (String controller : CONTROLLERS) {
            Optional<Path> group = v1Group(mountInfo, ownGroups, controller);
            if (group.isEmpty()) {
                return "no cgroup v1 " + controller + " hierarchy with this process in it";
            }
            if (!Files.isDirectory(group.get()) || !Files.isWritable(group.get())) {
                return "cgroup v1 group " + group.get() + " is not writable by this user";
            }
        }
        return "";
    }

    private static Layout v1Layout(List<String> mountInfo, List<String> ownGroups) {
        return new V1(v1Group(mountInfo, ownGroups, "memory").orElseThrow(),
                v1Group(mountInfo, ownGroups, "pids").orElseThrow(), v1Group(mountInfo, ownGroups, "cpu").orElseThrow());
    }

    private static Optional<Path> v1Group(List<String> mountInfo, List<String> ownGroups, String controller) {
        Optional<Path> mount = mountPoint(mountInfo, "cgroup", controller);
        Optional<String> own = ownGroup(ownGroups, controller);
        if (mount.isEmpty() || own.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(own.get().equals("/") ? mount.get() : mount.get().resolve(own.get().substring(1)));
    }

    boolean available() {
        return layout != null;
    }

    /** Why limits cannot be applied; empty when they can. */
    String reason() {
        return reason;
    }

    /** The groups runners' groups are made in (one under v2, three under v1); empty when unavailable. */
    List<Path> parents() {
        return switch (layout) {
            case null -> List.of();
            case V2 v2 -> List.of(v2.group());
            case V1 v1 -> List.of(v1.memory(), v1.pids(), v1.cpu());
        };
    }

    /** "cgroup v2" or "cgroup v1"; empty when unavailable. */
    String version() {
        return layout == null ? "" : layout.describe();
    }

    /** Fresh child groups with {@code limits} applied; the caller moves the runner in and removes them after. */
    RunnerCgroup create(JailLimits limits) throws IOException {
        String name = "keep-" + ProcessHandle.current().pid() + "-" + SEQUENCE.incrementAndGet();
        List<Path> made = new ArrayList<>();
        try {
            switch (layout) {
                case V2 v2 -> {
                    Path child = make(v2.group().resolve(name), made);
                    Files.writeString(child.resolve("memory.max"), Long.toString(limits.memoryBytes()));
                    Files.writeString(child.resolve("memory.swap.max"), "0");
                    Files.writeString(child.resolve("pids.max"), Integer.toString(limits.maxPids()));
                    Files.writeString(child.resolve("cpu.max"), cpuQuotaMicros(limits) + " " + CPU_PERIOD_MICROS);
                    return new RunnerCgroup(made, child.resolve("memory.events"));
                }
                case V1 v1 -> {
                    Path memory = make(v1.memory().resolve(name), made);
                    Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes()));
                    Path swap = memory.resolve("memory.memsw.limit_in_bytes");
                    if (Files.exists(swap)) {
                        // Memory plus swap at the same limit: no swapping past it.
                        Files.writeString(swap, Long.toString(limits.memoryBytes()));
                    }
                    Path pids = make(v1.pids().resolve(name), made);
                    Files.writeString(pids.resolve("pids.max"), Integer.toString(limits.maxPids()));
                    Path cpu = make(v1.cpu().resolve(name), made);
                    Files.writeString(cpu.resolve("cpu.cfs_period_us"), Long.toString(CPU_PERIOD_MICROS));
                    Files.writeString(cpu.resolve("cpu.cfs_quota_us"), Long.toString(cpuQuotaMicros(limits)));
                    return new RunnerCgroup(made, memory.resolve("memory.oom_control"));
                }
            }
        } catch (IOException e) {
            new RunnerCgroup(made, Path.of("/")).remove();
            throw e;
        }
    }

    private static long cpuQuotaMicros(JailLimits limits) {
        return limits.cpuPercent() * CPU_PERIOD_MICROS / 100;
    }

    private static Path make(Path group, List<Path> made) throws IOException {
        Files.createDirectory(group);
        made.add(group);
        return group;
    }

    /**
     * One runner's groups (one under v2, one per controller under v1), and the file whose
     * {@code oom_kill N} line counts the OOM killer's strikes in its memory group.
     */
    record RunnerCgroup(List<Path> groups, Path oomEvents) {
        RunnerCgroup {
            groups = List.copyOf(groups);
        }

        /** How many times the kernel's OOM killer struck in this group. */
        long oomKills() {
            try {
                for (String line : Files.readAllLines(oomEvents)) {
                    if (line.startsWith("oom_kill ")) {
                        return Long.parseLong(line.substring(9).trim());
                    }
                }
            } catch (IOException | NumberFormatException e) {
                return 0;
            }
            return 0;
        }

        /** Removes the groups once their processes are gone (they may take a moment to be reaped). */
        void remove() {
            for (Path group : groups) {
                removeOne(group);
            }
        }

        private static void removeOne(Path group) {
            for (int attempt = 0; attempt < 50; attempt++) {
                try {
                    Files.deleteIfExists(group);
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

    /**
     * The mount point of a cgroup hierarchy: fsType "cgroup2", or "cgroup" with {@code controller}
     * among its super options (v1 mounts name their controllers there, e.g. "rw,memory").
     */
    private static Optional<Path> mountPoint(List<String> mountInfo, String fsType, String controller) {
        for (String line : mountInfo) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] after = line.substring(dash + 3).split(" ");
            String[] before = line.substring(0, dash).split(" ");
            if (after.length < 3 || !after[0].equals(fsType) || before.length <= 4) {
                continue;
            }
            if (controller.isEmpty() || List.of(after[2].split(",")).contains(controller)) {
                return Optional.of(Path.of(before[4]));
            }
        }
        return Optional.empty();
    }

    /**
     * This process's group path from /proc/self/cgroup: the v2 line ("0::/path") for an empty
     * controller, else the v1 line whose controller list holds it ("4:memory:/path").
     */
    private static Optional<String> ownGroup(List<String> lines, String controller) {
        for (String line : lines) {
            String[] parts = line.split(":", 3);
            if (parts.length != 3) {
                continue;
            }
            boolean match = controller.isEmpty()
                    ? parts[0].equals("0") && parts[1].isEmpty()
                    : List.of(parts[1].split(",")).contains(controller);
            if (match) {
                return Optional.of(parts[2]);
            }
        }
        return Optional.empty();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
