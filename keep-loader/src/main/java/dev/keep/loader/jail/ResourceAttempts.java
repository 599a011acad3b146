package dev.keep.loader.jail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The test-only resource attempts of a jailed runner (see {@link EscapeAttempt}): each pushes
 * against one cgroup limit and reports how far it got, unless the kernel ends the runner first.
 */
final class ResourceAttempts {
    private static final long CHUNK = 16L << 20;

    private ResourceAttempts() {}

    /** Touches native memory up to mebibytes; the cgroup's OOM killer should strike long before. */
    static RunnerReport exhaustMemory(long mebibytes) {
        Arena arena = Arena.global();
        long touched = 0;
        while (touched < (mebibytes << 20)) {
            MemorySegment chunk = arena.allocate(CHUNK, 4096);
            chunk.fill((byte) 1);
            touched += CHUNK;
        }
        return new RunnerReport.Refused("native allocation of " + (touched >> 20) + " MiB was never stopped");
    }

    /** Starts parked threads until one cannot start or there are most of them. */
    static RunnerReport exhaustPids(int most) {
        int started = 0;
        String stop = "the bound of " + most + " threads";
        try {
            for (; started < most; started++) {
                Thread t = new Thread(() -> {
                    while (true) {
                        java.util.concurrent.locks.LockSupport.park();
                    }
                });
                t.setDaemon(true);
                t.start();
            }
        } catch (OutOfMemoryError e) {
            stop = "the kernel refused one: " + e.getMessage();
        }
        return new RunnerReport.Refused("thread creation started " + started + " threads, then stopped at " + stop);
    }

    /** Two busy threads for millis of wall time; reports the CPU time the two got together. */
    static RunnerReport burnCpu(long millis) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        AtomicLong cpuNanos = new AtomicLong();
        CountDownLatch done = new CountDownLatch(2);
        long start = System.nanoTime();
        long end = start + millis * 1_000_000;
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> {
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                cpuNanos.addAndGet(threads.getCurrentThreadCpuTime());
                done.countDown();
            });
            t.setDaemon(true);
            t.start();
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long wall = (System.nanoTime() - start) / 1_000_000;
        return new RunnerReport.Refused("CPU burn got " + cpuNanos.get() / 1_000_000 + " ms of CPU in " + wall + " ms");
    }
}
