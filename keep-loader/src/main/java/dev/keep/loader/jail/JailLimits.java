package dev.keep.loader.jail;

/**
 * Resource limits of one jailed runner. Memory bounds the runner's Java heap always (-Xmx, half of
 * it) and its whole cgroup where the host delegates cgroup v2 controllers; PIDs and CPU are enforced
 * only through the cgroup.
 *
 * @param memoryBytes memory.max of the runner's cgroup; the heap gets half
 * @param maxPids pids.max: the JVM's own threads need a few dozen
 * @param cpuPercent cpu.max as a percentage of one CPU
 */
public record JailLimits(long memoryBytes, int maxPids, int cpuPercent) {
    public static final JailLimits DEFAULT = new JailLimits(2L << 30, 256, 100);

    public JailLimits {
        if (memoryBytes < (64L << 20) || maxPids < 16 || cpuPercent < 1) {
            throw new IllegalArgumentException("jail limits too small: " + memoryBytes + " bytes, " + maxPids + " pids, " + cpuPercent + "% CPU");
        }
    }

    long heapBytes() {
        return memoryBytes / 2;
    }
}
