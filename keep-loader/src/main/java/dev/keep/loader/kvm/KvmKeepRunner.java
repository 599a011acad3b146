package dev.keep.loader.kvm;

import dev.keep.kvm.GuestMemory;
import dev.keep.kvm.Kvm;
import dev.keep.kvm.KvmException;
import dev.keep.kvm.VcpuExit;
import dev.keep.kvm.VcpuFd;
import dev.keep.kvm.VmFd;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.shim.image.KeepImage;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one {@link KeepImage} on /dev/kvm: maps the image into pre-faulted, huge-page-backed guest
 * memory, loads the entry state (sregs, regs, XCR0, the explicit CPUID table) and runs the vCPU
 * on its own thread until the keep exits, faults, breaks the ABI or runs out of wall-clock time.
 * A timed-out vCPU is stopped with immediate_exit plus a signal to its thread (KVM_RUN returns
 * EINTR either way), then everything is closed on the vCPU thread.
 *
 * <p>NOT YET RUN ON A REAL /dev/kvm: the machines this was written on have none. See
 * docs/keep-image.md, "Not verified".
 */
public final class KvmKeepRunner {
    /** Where KVM may put the three pages Intel VMX needs for real mode; unused by a keep. */
    private static final long TSS_ADDRESS_FOR_VMX = 0xFFFB_D000L;
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
     * Runs the keep to its end.
     *
     * @throws KvmException when /dev/kvm is missing or refuses a set-up step
     * @throws IllegalStateException when the host CPU lacks a feature the image claims, or the
     *     vCPU did not stop after the time limit
     */
    public KeepOutcome run(KeepImage image, OutputStream stdout, OutputStream stderr,
            Duration timeout) throws KvmException {
        List<String> missing = cpuCheck.missing(image.entryState().cpuid());
        if (!missing.isEmpty()) {
            throw new IllegalStateException("this CPU lacks features the keep needs: "
                    + String.join(", ", missing));
        }
        ThreadKicker kicker = new ThreadKicker();
        VcpuRun vcpuRun = new VcpuRun(image, new HostcallDispatcher(stdout, stderr), kicker);
        CompletableFuture<KeepOutcome> result = new CompletableFuture<>();
        Thread thread = Thread.ofPlatform().name("keep-vcpu").daemon().unstarted(() -> {
            try {
                result.complete(vcpuRun.run(timeout));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        thread.start();
        try {
            try {
                return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException late) {
                vcpuRun.requestStop();
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_GRACE_MS);
                while (!result.isDone() && System.nanoTime() < deadline) {
                    kicker.kick();
                    try {
                        return result.get(KICK_INTERVAL_MS, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException stillRunning) {
                        // Signal again: the first one may have landed before KVM_RUN started.
                    }
                }
                if (!result.isDone()) {
                    throw new IllegalStateException("the keep's vCPU did not stop within "
                            + STOP_GRACE_MS + " ms of its time limit");
                }
                return result.get();
            }
        } catch (InterruptedException e) {
            vcpuRun.requestStop();
            kicker.kick();
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

    /** Everything that happens on the vCPU thread: set-up, run loop, teardown. */
    private static final class VcpuRun {
        private final KeepImage image;
        private final HostcallDispatcher dispatcher;
        private final ThreadKicker kicker;
        private volatile boolean stopRequested;
        private volatile VcpuFd vcpu;

        VcpuRun(KeepImage image, HostcallDispatcher dispatcher, ThreadKicker kicker) {
            this.image = image;
            this.dispatcher = dispatcher;
            this.kicker = kicker;
        }

        void requestStop() {
            stopRequested = true;
            VcpuFd current = vcpu;
            if (current != null) {
                current.setImmediateExit(true);
            }
        }

        KeepOutcome run(Duration timeout) throws KvmException {
            kicker.register();
            // Resources close in reverse order: the VM first (it closes its vCPUs and releases
            // the memslot), then the guest memory, then /dev/kvm.
            try (Kvm kvm = Kvm.open();
                    GuestMemory ram = GuestMemory.allocate(image.memorySize(),
                            GuestMemory.Options.KEEP);
                    VmFd vm = kvm.createVm()) {
                ImageLoader.load(image, ram);
                vm.setTssAddr(TSS_ADDRESS_FOR_VMX);
                vm.setUserMemoryRegion(0, 0, ram, 0);
                try (VcpuFd cpu = vm.createVcpu(0)) {
                    cpu.setCpuid2(KeepRegisters.cpuid(image.entryState()));
                    cpu.setSregs(KeepRegisters.sregs(cpu.getSregs(), image.entryState()));
                    cpu.setRegs(KeepRegisters.regs(image.entryState()));
                    cpu.setXcrs(KeepRegisters.xcrs(image.entryState()));
                    vcpu = cpu;
                    if (stopRequested) {
                        return new KeepOutcome.TimedOut(timeout);
                    }
                    KeepExitHandler handler = new KeepExitHandler(ram.segment(), dispatcher);
                    while (true) {
                        VcpuExit exit = cpu.run();
                        if (exit instanceof VcpuExit.Intr) {
                            if (stopRequested) {
                                return new KeepOutcome.TimedOut(timeout);
                            }
                            continue;
                        }
                        Optional<KeepOutcome> outcome = handler.handle(exit);
                        if (outcome.isPresent()) {
                            return outcome.get();
                        }
                    }
                } finally {
                    vcpu = null;
                }
            } finally {
                kicker.unregister();
            }
        }
    }
}
