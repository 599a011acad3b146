package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * One virtual CPU: register access and KVM_RUN. Owns its fd and its kvm_run mapping (unmapped on
 * close). Created only by {@link VmFd#createVcpu}. Meant to be driven by one thread; only
 * {@link #setImmediateExit} may be called from another.
 */
public final class VcpuFd implements AutoCloseable {

    private static final long XCRS = KvmStructs.KVM_XCRS.byteOffset(groupElement("xcrs"));
    private static final long XCR_SIZE = KvmStructs.KVM_XCR.byteSize();
    private static final long XCR_INDEX = KvmStructs.KVM_XCR.byteOffset(groupElement("xcr"));
    private static final long XCR_VALUE = KvmStructs.KVM_XCR.byteOffset(groupElement("value"));

    private final int id;
    private final OwnedFd fd;
    private final KvmRun run;

    VcpuFd(int id, OwnedFd fd, KvmRun run) {
        this.id = id;
        this.fd = fd;
        this.run = run;
    }

    /** The vCPU id it was created with. */
    public int id() {
        return id;
    }

    public Regs getRegs() throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment regs = arena.allocate(KvmStructs.KVM_REGS);
            fd.ioctl(KvmIoctl.KVM_GET_REGS, regs);
            return Regs.read(regs);
        }
    }

    public void setRegs(Regs regs) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment raw = arena.allocate(KvmStructs.KVM_REGS);
            regs.write(raw);
            fd.ioctl(KvmIoctl.KVM_SET_REGS, raw);
        }
    }

    public Sregs getSregs() throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sregs = arena.allocate(KvmStructs.KVM_SREGS);
            fd.ioctl(KvmIoctl.KVM_GET_SREGS, sregs);
            return Sregs.read(sregs);
        }
    }

    public void setSregs(Sregs sregs) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment raw = arena.allocate(KvmStructs.KVM_SREGS);
            sregs.write(raw);
            fd.ioctl(KvmIoctl.KVM_SET_SREGS, raw);
        }
    }

    /**
     * KVM_SET_MSRS. KVM stops at the first MSR it rejects and reports how many it set; a partial
     * write is an error here, naming the rejected MSR.
     */
    public void setMsrs(List<MsrEntry> msrs) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            int written = fd.ioctl(KvmIoctl.KVM_SET_MSRS, MsrTable.of(arena, msrs));
            if (written < msrs.size()) {
                throw new KvmException("ioctl(KVM_SET_MSRS) rejected MSR 0x"
                        + Integer.toHexString(msrs.get(written).index()) + " (set " + written
                        + " of " + msrs.size() + ")");
            }
        }
    }

    /**
     * KVM_GET_MSRS. Returns the MSRs KVM could read, in order; reading stops at the first unknown
     * index, so a shorter list means {@code indices[result.size()]} is not supported.
     */
    public List<MsrEntry> getMsrs(int... indices) throws KvmException {
        List<MsrEntry> query = new ArrayList<>(indices.length);
        for (int index : indices) {
            query.add(new MsrEntry(index, 0));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment table = MsrTable.of(arena, query);
            int read = fd.ioctl(KvmIoctl.KVM_GET_MSRS, table);
            return MsrTable.read(table, read);
        }
    }

    /** KVM_SET_CPUID2: the CPUID table the guest sees (where KVM virtualizes CPUID). */
    public void setCpuid2(List<CpuidEntry> entries) throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            fd.ioctl(KvmIoctl.KVM_SET_CPUID2, CpuidTable.of(arena, entries));
        }
    }

    /** KVM_GET_XCRS (needs KVM_CAP_XCRS). */
    public List<Xcr> getXcrs() throws KvmException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xcrs = arena.allocate(KvmStructs.KVM_XCRS);
            fd.ioctl(KvmIoctl.KVM_GET_XCRS, xcrs);
            int count = Math.clamp(xcrs.get(ValueLayout.JAVA_INT, 0), 0,
                    KvmConstants.KVM_MAX_XCRS);
            List<Xcr> result = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                result.add(new Xcr(xcrs.get(ValueLayout.JAVA_INT, XCRS + i * XCR_SIZE + XCR_INDEX),
                        xcrs.get(ValueLayout.JAVA_LONG, XCRS + i * XCR_SIZE + XCR_VALUE)));
            }
            return result;
        }
    }

    /** KVM_SET_XCRS, e.g. XCR0 = x87|SSE|AVX before running AVX code at CPL3. */
    public void setXcrs(List<Xcr> values) throws KvmException {
        if (values.size() > KvmConstants.KVM_MAX_XCRS) {
            throw new IllegalArgumentException("at most " + KvmConstants.KVM_MAX_XCRS + " XCRs");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment xcrs = arena.allocate(KvmStructs.KVM_XCRS);
            xcrs.set(ValueLayout.JAVA_INT, 0, values.size());
            for (int i = 0; i < values.size(); i++) {
                xcrs.set(ValueLayout.JAVA_INT, XCRS + i * XCR_SIZE + XCR_INDEX, values.get(i).xcr());
                xcrs.set(ValueLayout.JAVA_LONG, XCRS + i * XCR_SIZE + XCR_VALUE,
                        values.get(i).value());
            }
            fd.ioctl(KvmIoctl.KVM_SET_XCRS, xcrs);
        }
    }

    /**
     * KVM_RUN until the guest exits to userspace. A signal or immediate_exit makes KVM_RUN fail
     * with EINTR; that is reported as {@link VcpuExit.Intr}, not as an error.
     */
    public VcpuExit run() throws KvmException {
        try {
            fd.ioctl(KvmIoctl.KVM_RUN, 0);
        } catch (NativeCallException e) {
            if (e.errno() == LibcConstants.EINTR) {
                return new VcpuExit.Intr();
            }
            throw e;
        }
        return run.decodeExit();
    }

    /**
     * Sets kvm_run.immediate_exit: while set, KVM_RUN returns EINTR at once. A watchdog sets it
     * and then signals the vCPU thread, so the guest stops whether or not it was inside KVM_RUN.
     */
    public void setImmediateExit(boolean value) {
        run.setImmediateExit(value);
    }

    boolean isClosed() {
        return fd.isClosed();
    }

    /** Unmaps kvm_run and closes the vCPU fd; idempotent. */
    @Override
    public void close() {
        run.close();
        fd.close();
    }
}
