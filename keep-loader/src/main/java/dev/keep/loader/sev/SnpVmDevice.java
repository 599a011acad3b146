package dev.keep.loader.sev;

import dev.keep.kvm.KvmException;
import dev.keep.kvm.VcpuFd;
import dev.keep.loader.kvm.VcpuRegisters;
import dev.keep.sev.launch.SnpLaunchDevice;
import dev.keep.sev.launch.SnpLaunchException;
import java.lang.foreign.MemorySegment;

/**
 * What the sev-snp backend launches a keep on: an {@link SnpLaunchDevice} that, once the launch is
 * finished, holds the VM the keep then runs on. The real one is {@link KvmSnpVmDevice}.
 */
public interface SnpVmDevice extends SnpLaunchDevice {

    /** Loads vCPU 0's registers when the device creates it (before LAUNCH_FINISH measures them). */
    @FunctionalInterface
    interface VcpuSetup {
        void load(VcpuRegisters vcpu) throws KvmException;
    }

    /** Opens the devices for one keep, whose vCPU 0 gets {@code setup}. */
    @FunctionalInterface
    interface Opener {
        /** @throws SnpLaunchException (one line) when a device is missing or cannot be opened */
        SnpVmDevice open(VcpuSetup setup) throws SnpLaunchException;
    }

    /**
     * vCPU 0 of the launched VM.
     *
     * @throws IllegalStateException before the device created it
     */
    VcpuFd vcpu();

    /**
     * The shared view of the keep's memory (offset = guest-physical address): where the host reads
     * the hostcall mailbox.
     *
     * @throws IllegalStateException before the device set up the keep's memory
     */
    MemorySegment sharedMemory();
}
