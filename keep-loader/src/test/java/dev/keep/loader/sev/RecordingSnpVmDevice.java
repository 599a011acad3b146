package dev.keep.loader.sev;

import dev.keep.kvm.CpuidEntry;
import dev.keep.kvm.DescriptorTable;
import dev.keep.kvm.KvmException;
import dev.keep.kvm.KvmStructs;
import dev.keep.kvm.Regs;
import dev.keep.kvm.Segment;
import dev.keep.kvm.Sregs;
import dev.keep.kvm.VcpuFd;
import dev.keep.kvm.Xcr;
import dev.keep.loader.kvm.VcpuRegisters;
import dev.keep.sev.launch.LaunchUpdate;
import dev.keep.sev.launch.LaunchUpdateOutcome;
import dev.keep.sev.launch.SnpIdBlock;
import dev.keep.sev.launch.SnpLaunchException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * TEST DOUBLE (test scope only, never shipped): an {@link SnpVmDevice} that records every launch
 * call, and every register call of the vCPU setup it is opened with, instead of reaching /dev/sev
 * and /dev/kvm, which this machine does not have. It accepts every LAUNCH_UPDATE whole, or fails
 * one named call as the kernel or firmware would. Once
 * launched it has no VM to run: {@link #sharedMemory()} and {@link #vcpu()} refuse, which ends the
 * backend's run with a one-line error after the launch. sev-backend's tests have a recording launch
 * device of their own; it is not shared, because sev-backend publishes no test-jar yet.
 */
final class RecordingSnpVmDevice implements SnpVmDevice {
    /** What {@link #sharedMemory()} and {@link #vcpu()} say. */
    static final String NOTHING_TO_RUN = "the recording SNP device (a test double) has no VM to run";
    static final int MEMFD = 42;

    /** Every call in order, as NAME[arguments]. */
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    /** The registers the setup loaded, last value of each. */
    volatile Sregs sregs;
    volatile Regs regs;
    volatile List<CpuidEntry> cpuid;
    volatile List<Xcr> xcrs;
    volatile boolean closed;

    private final VcpuSetup setup;
    private String failingCall;
    private SnpLaunchException failure;

    RecordingSnpVmDevice(VcpuSetup setup) {
        this.setup = setup;
    }

    /** Fails the first call named {@code name} with {@code exception}, as the kernel or firmware would. */
    RecordingSnpVmDevice failing(String name, SnpLaunchException exception) {
        this.failingCall = name;
        this.failure = exception;
        return this;
    }

    private void call(String name, Object... args) throws SnpLaunchException {
        record(name, args);
        if (name.equals(failingCall)) {
            failingCall = null;
            throw failure;
        }
    }

    private void record(String name, Object... args) {
        calls.add(name + List.of(args));
    }

    @Override
    public void createSnpVm() throws SnpLaunchException {
        call("KVM_CREATE_VM", 4);
    }

    @Override
    public void sevInit2(long vmsaFeatures, int ghcbVersion) throws SnpLaunchException {
        call("KVM_SEV_INIT2", vmsaFeatures, ghcbVersion);
    }

    @Override
    public void enableHypercallExits(long hypercallMask) throws SnpLaunchException {
        call("KVM_ENABLE_CAP", hypercallMask);
    }

    @Override
    public int createGuestMemfd(long size) throws SnpLaunchException {
        call("KVM_CREATE_GUEST_MEMFD", size);
        return MEMFD;
    }

    @Override
    public void setUserMemoryRegion2(int slot, long gpa, long size, int guestMemfd, long guestMemfdOffset) throws SnpLaunchException {
        call("KVM_SET_USER_MEMORY_REGION2", slot, gpa, size, guestMemfd, guestMemfdOffset);
    }

    @Override
    public void setMemoryAttributes(long gpa, long size, long attributes) throws SnpLaunchException {
        call("KVM_SET_MEMORY_ATTRIBUTES", gpa, size, attributes);
    }

    /** As the real device: KVM_CREATE_VCPU, then the setup loads the registers. */
    @Override
    public void createVcpu(int id) throws SnpLaunchException {
        call("KVM_CREATE_VCPU", id);
        try {
            setup.load(new Registers());
        } catch (KvmException e) {
            throw new SnpLaunchException("KVM_CREATE_VCPU " + id + " and its register setup failed: "
                    + e.getMessage());
        }
    }

    @Override
    public void snpLaunchStart(long policy) throws SnpLaunchException {
        call("SNP_LAUNCH_START", "0x" + Long.toHexString(policy));
    }

    @Override
    public LaunchUpdateOutcome snpLaunchUpdate(LaunchUpdate update) throws SnpLaunchException {
        call("SNP_LAUNCH_UPDATE", update.gpa(), update.length(), update.type());
        return new LaunchUpdateOutcome.Done(update.pageCount());
    }

    @Override
    public void snpLaunchFinish(Optional<SnpIdBlock> idBlock, byte[] hostData) throws SnpLaunchException {
        call("SNP_LAUNCH_FINISH", idBlock.isPresent(), HexFormat.of().formatHex(hostData));
    }

    @Override
    public VcpuFd vcpu() {
        throw new IllegalStateException(NOTHING_TO_RUN);
    }

    @Override
    public MemorySegment sharedMemory() {
        throw new IllegalStateException(NOTHING_TO_RUN);
    }

    @Override
    public void close() {
        closed = true;
    }

    /** vCPU 0's registers as a fresh vCPU has them, recording what is set. */
    private final class Registers implements VcpuRegisters {
        @Override
        public void setCpuid2(List<CpuidEntry> entries) {
            record("KVM_SET_CPUID2", entries.size());
            cpuid = entries;
        }

        @Override
        public Sregs getSregs() {
            record("KVM_GET_SREGS");
            Segment flat = new Segment(0, 0xFFFF, 0, 3, true, 0, false, true, false, false, false, false);
            DescriptorTable empty = new DescriptorTable(0, 0xFFFF);
            return new Sregs(flat, flat, flat, flat, flat, flat, flat, flat, empty, empty,
                    0x60000010L, 0, 0, 0, 0, 0, 0xFEE00900L,
                    Collections.nCopies(KvmStructs.INTERRUPT_BITMAP_WORDS, 0L));
        }

        @Override
        public void setSregs(Sregs value) {
            record("KVM_SET_SREGS", "cr3=0x" + Long.toHexString(value.cr3()));
            sregs = value;
        }

        @Override
        public void setRegs(Regs value) {
            record("KVM_SET_REGS", "rip=0x" + Long.toHexString(value.get(Regs.Reg.RIP)));
            regs = value;
        }

        @Override
        public void setXcrs(List<Xcr> values) {
            record("KVM_SET_XCRS", values.size());
            xcrs = values;
        }
    }
}
