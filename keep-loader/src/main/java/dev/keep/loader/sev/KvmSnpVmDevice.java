package dev.keep.loader.sev;

import dev.keep.kvm.VcpuFd;
import dev.keep.loader.kvm.VcpuRegisters;
import dev.keep.sev.launch.KvmSnpLaunchDevice;
import dev.keep.sev.launch.LaunchUpdate;
import dev.keep.sev.launch.LaunchUpdateOutcome;
import dev.keep.sev.launch.SnpIdBlock;
import dev.keep.sev.launch.SnpLaunchException;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** The real {@link SnpVmDevice}: sev-backend's {@link KvmSnpLaunchDevice} over /dev/sev and /dev/kvm. */
final class KvmSnpVmDevice implements SnpVmDevice {
    private final KvmSnpLaunchDevice device;

    private KvmSnpVmDevice(KvmSnpLaunchDevice device) {
        this.device = device;
    }

    /** Opens /dev/sev and /dev/kvm; {@code setup} loads vCPU 0 through its real registers. */
    static KvmSnpVmDevice open(VcpuSetup setup) throws SnpLaunchException {
        return new KvmSnpVmDevice(KvmSnpLaunchDevice.open(vcpu -> setup.load(VcpuRegisters.of(vcpu))));
    }

    @Override
    public void createSnpVm() throws SnpLaunchException {
        device.createSnpVm();
    }

    @Override
    public void sevInit2(long vmsaFeatures, int ghcbVersion) throws SnpLaunchException {
        device.sevInit2(vmsaFeatures, ghcbVersion);
    }

    @Override
    public void enableHypercallExits(long hypercallMask) throws SnpLaunchException {
        device.enableHypercallExits(hypercallMask);
    }

    @Override
    public int createGuestMemfd(long size) throws SnpLaunchException {
        return device.createGuestMemfd(size);
    }

    @Override
    public void setUserMemoryRegion2(int slot, long gpa, long size, int guestMemfd, long guestMemfdOffset)
            throws SnpLaunchException {
        device.setUserMemoryRegion2(slot, gpa, size, guestMemfd, guestMemfdOffset);
    }

    @Override
    public void setMemoryAttributes(long gpa, long size, long attributes) throws SnpLaunchException {
        device.setMemoryAttributes(gpa, size, attributes);
    }

    @Override
    public void createVcpu(int id) throws SnpLaunchException {
        device.createVcpu(id);
    }

    @Override
    public void snpLaunchStart(long policy) throws SnpLaunchException {
        device.snpLaunchStart(policy);
    }

    @Override
    public LaunchUpdateOutcome snpLaunchUpdate(LaunchUpdate update) throws SnpLaunchException {
        return device.snpLaunchUpdate(update);
    }

    @Override
    public void snpLaunchFinish(Optional<SnpIdBlock> idBlock, byte[] hostData) throws SnpLaunchException {
        device.snpLaunchFinish(idBlock, hostData);
    }

    @Override
    public VcpuFd vcpu() {
        return device.vcpu();
    }

    @Override
    public MemorySegment sharedMemory() {
        return device.sharedMemory().segment();
    }

    @Override
    public void close() {
        device.close();
    }
}
