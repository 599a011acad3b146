package dev.keep.loader.kvm;

import dev.keep.kvm.KvmException;
import dev.keep.kvm.VcpuExit;
import dev.keep.kvm.VcpuFd;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.shim.image.KeepImage;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one keep on /dev/kvm: a {@link KeepImage} mapped into pre-faulted, huge-page-backed guest
 * memory with the entry state loaded (sregs, regs, XCR0, the explicit CPUID table; {@link
 * PlainKeepVm}), or a {@link KeepVm} built elsewhere (an SEV-SNP keep, launched by the sev-snp
 * backend). It runs the vCPU on its own thread until the keep exits, faults, breaks the ABI, runs
 * out of wall-clock time (when given a limit) or is stopped by an interrupt of the calling thread.
 * The VM is built on that thread too. A vCPU to stop gets
 * immediate_exit plus a signal to its thread (KVM_RUN returns EINTR either way), then everything,
 * the keep's host descriptors included, is closed on the vCPU thread.
 *
 * <p>NOT YET RUN ON A REAL /dev/kvm: the machines this was written on have none. See
 * docs/keep-image.md, "Not verified".
 */
public final class KvmKeepRunner {
    /** How often a stopping vCPU thread is signalled again, for the race with KVM_RUN entry. */
    private static final long KICK_INTERVAL_MS = 10;
    /** How long a stopping vCPU may take to leave KVM_RUN before the run is declared stuck. */
    private static final long STOP_GRACE_MS = 5000;

    private final HostCpuCheck cpuCheck;

    public KvmKeepRunner() {
        this(new HostCpuCheck());
    }

    KvmKeepRunner(HostCpuCheck cpuCheck) {
        this.cpuCheck = cpuCheck;
    }

    /**
     * Runs the keep to its end, or until {@code timeout} passes, answering its hostcalls with a
     * dispatcher that writes to {@code stdout} and {@code stderr} and has no files.
     *
     * @throws KvmException when /dev/kvm is missing or refuses a set-up step
     * @throws IllegalStateException when the host CPU lacks a feature the image claims, or the
     *     vCPU did not stop after the time limit
     */
    public KeepOutcome run(KeepImage image, OutputStream stdout, OutputStream stderr,
            Duration timeout) throws KvmException {
        return run(image, new HostcallDispatcher(stdout, stderr), Optional.of(timeout));
    }

    /**
     * Runs the keep to its end with no wall-clock limit: a keep that serves sockets runs until it
     * is stopped, so a limit is the caller's choice, made by interrupting the calling thread (the
     * vCPU is then stopped as at a time limit and an {@link IllegalStateException} says so).
     *
     * @param host answers the keep's hostcalls; it is this runner's from now on, and is closed on
     *     the vCPU thread once that thread no longer uses it (before this method returns, unless
     *     the vCPU could not be stopped)
     * @throws KvmException when /dev/kvm is missing or refuses a set-up step
     * @throws IllegalStateException when the host CPU lacks a feature the image claims, the run
     *     was interrupted, or the vCPU did not stop when told to
     */
    public KeepOutcome run(KeepImage image, HostcallDispatcher host) throws KvmException {
        return run(image, host, Optional.empty());
    }

    /**
     * Runs the keep in the VM {@code vms} builds, as {@link #run(KeepImage, HostcallDispatcher)}
     * runs a plain keep: the VM is built, run and closed on the vCPU thread, and {@code host} is
     * this runner's from now on (closed on that thread, even when the VM cannot be built).
     *
     * @throws KvmException when the device refuses a set-up step
     * @throws IllegalStateException when the run was interrupted or the vCPU did not stop when
     *     told to; the factory's own unchecked exceptions pass through
     */
    public KeepOutcome run(KeepVm.Factory vms, HostcallDispatcher host) throws KvmException {
        return run(vms, host, Optional.empty());
    }

    private KeepOutcome run(KeepImage image, HostcallDispatcher host, Optional<Duration> limit)
            throws KvmException {
        return run(dispatcher -> PlainKeepVm.create(image, dispatcher, cpuCheck), host, limit);
    }

    private KeepOutcome run(KeepVm.Factory vms, HostcallDispatcher host, Optional<Duration> limit)
            throws KvmException {
        ThreadKicker kicker = new ThreadKicker();
        VcpuRun vcpuRun = new VcpuRun(vms, host, kicker, limit);
        CompletableFuture<KeepOutcome> result = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("keep-vcpu").daemon().unstarted(() -> {
            try {
                result.complete(vcpuRun.run());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        thread.start();
        try {
            if (limit.isEmpty()) {
                return result.get();
            }
            try {
                return result.get(limit.get().toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException late) {
                return stop(vcpuRun, kicker, result);
            }
        } catch (InterruptedException e) {
            // Wait (bounded) for the vCPU thread, so that its descriptors are closed on return.
            try {
                stop(vcpuRun, kicker, result);
            } catch (InterruptedException | ExecutionException | RuntimeException ignored) {
                // The run is abandoned either way; the interrupt is what the caller hears of.
            }
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the keep ran", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof KvmException k) {
                throw k;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("the keep's vCPU thread failed: " + e.getCause(),
                    e.getCause());
        }
    }

    /**
     * Stops a running vCPU: immediate_exit, then a signal to its thread every few milliseconds
     * (the first may land before KVM_RUN starts) until the thread ends or the grace time passes.
     */
    private static KeepOutcome stop(VcpuRun vcpuRun, ThreadKicker kicker,
            CompletableFuture<KeepOutcome> result) throws InterruptedException, ExecutionException {
        vcpuRun.requestStop();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_GRACE_MS);
        while (System.nanoTime() < deadline) {
            kicker.kick();
            try {
                return result.get(KICK_INTERVAL_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillRunning) {
                // Signal again.
            }
        }
        if (result.isDone()) {
            return result.get();
        }
        throw new IllegalStateException("the keep's vCPU did not stop within " + STOP_GRACE_MS
                + " ms of being told to");
    }

    /** Everything that happens on the vCPU thread: set-up, run loop, teardown. */
    private static final class VcpuRun {
        private final KeepVm.Factory vms;
        private final HostcallDispatcher dispatcher;
        private final ThreadKicker kicker;
        private final Optional<Duration> limit;
        private volatile boolean stopRequested;
        private volatile VcpuFd vcpu;

        VcpuRun(KeepVm.Factory vms, HostcallDispatcher dispatcher, ThreadKicker kicker,
                Optional<Duration> limit) {
            this.vms = vms;
            this.dispatcher = dispatcher;
            this.kicker = kicker;
            this.limit = limit;
        }

        void requestStop() {
            stopRequested = true;
            VcpuFd current = vcpu;
            if (current != null) {
                current.setImmediateExit(true);
            }
        }

        /** What a run stopped from outside ended as: its time limit, or an interrupt. */
        private KeepOutcome stopped() {
            return limit.<KeepOutcome>map(KeepOutcome.TimedOut::new)
                    .orElseGet(() -> new KeepOutcome.Terminated("the keep was stopped before it ended"));
        }

        KeepOutcome run() throws KvmException {
            kicker.register();
            try (KeepVm vm = vms.create(dispatcher)) {
                VcpuFd cpu = vm.vcpu();
                vcpu = cpu;
                if (stopRequested) {
                    return stopped();
                }
                while (true) {
                    VcpuExit exit = cpu.run();
                    if (exit instanceof VcpuExit.Intr) {
                        if (stopRequested) {
                            return stopped();
                        }
                        continue;
                    }
                    Optional<KeepOutcome> outcome = vm.handle(exit);
                    if (outcome.isPresent()) {
                        return outcome.get();
                    }
                }
            } finally {
                vcpu = null;
                kicker.unregister();
                // Only this thread calls the dispatcher, so only it may close its descriptors.
                dispatcher.close();
            }
        }
    }
}
