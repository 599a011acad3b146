package dev.keep.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every VM and vCPU wrapper issued on a descriptor the kernel rejects (-1, EBADF), in the manner
 * of kvm-ioctls' faulty-fd tests: each call must reach ioctl(2) with its own request and fail
 * with an exception naming exactly that request. Success paths need /dev/kvm, which this machine
 * does not have.
 */
class WrapperErrorTest {

    private static final int EBADF = 9;

    private interface Call {
        void run() throws KvmException;
    }

    private static void assertFails(KvmIoctl expected, Call call) {
        NativeCallException e = assertThrows(NativeCallException.class, call::run);
        assertEquals("ioctl(" + expected.name() + ")", e.call());
        assertEquals(EBADF, e.errno());
        assertEquals("ioctl(" + expected.name() + ") failed: Bad file descriptor (errno 9)",
                e.getMessage());
    }

    @Test
    void vmWrappers() throws Exception {
        VmFd vm = new VmFd(new OwnedFd(-1, "bad VM"), 4096);
        try (GuestMemory memory = GuestMemory.allocate(1 << 16, GuestMemory.Options.PLAIN)) {
            assertFails(KvmIoctl.KVM_CHECK_EXTENSION,
                    () -> vm.checkExtension(KvmConstants.KVM_CAP_USER_MEMORY));
            assertFails(KvmIoctl.KVM_SET_USER_MEMORY_REGION,
                    () -> vm.setUserMemoryRegion(0, 0, memory, 0));
            assertFalse(memory.isRegistered(), "a failed registration must not pin the memory");
            assertEquals(0, vm.memorySlots().size());
            assertFails(KvmIoctl.KVM_SET_TSS_ADDR, () -> vm.setTssAddr(0xfffbd000L));
            assertFails(KvmIoctl.KVM_SET_IDENTITY_MAP_ADDR,
                    () -> vm.setIdentityMapAddr(0xfffbc000L));
            assertFails(KvmIoctl.KVM_CREATE_VCPU, () -> vm.createVcpu(0));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> vm.removeUserMemoryRegion(3));
            assertEquals("memory slot 3 is not in use", e.getMessage());
        }
        vm.close();
        assertThrows(IllegalStateException.class, () -> vm.checkExtension(0));
    }

    @Test
    void vcpuWrappers() throws Exception {
        long size = GuestMemory.PAGE_SIZE;
        long address = Libc.mmap(0, size, LibcConstants.PROT_READ | LibcConstants.PROT_WRITE,
                LibcConstants.MAP_SHARED | LibcConstants.MAP_ANONYMOUS, -1, 0);
        VcpuFd vcpu = new VcpuFd(0, new OwnedFd(-1, "bad vCPU"), KvmRun.own(address, size));
        Sregs sregs = Sregs.read(Arena.ofAuto().allocate(KvmStructs.KVM_SREGS));

        assertFails(KvmIoctl.KVM_GET_REGS, vcpu::getRegs);
        assertFails(KvmIoctl.KVM_SET_REGS, () -> vcpu.setRegs(Regs.INITIAL));
        assertFails(KvmIoctl.KVM_GET_SREGS, vcpu::getSregs);
        assertFails(KvmIoctl.KVM_SET_SREGS, () -> vcpu.setSregs(sregs));
        assertFails(KvmIoctl.KVM_GET_MSRS, () -> vcpu.getMsrs(0xC0000080));
        assertFails(KvmIoctl.KVM_SET_MSRS, () -> vcpu.setMsrs(List.of(new MsrEntry(0x10, 0))));
        assertFails(KvmIoctl.KVM_SET_CPUID2,
                () -> vcpu.setCpuid2(List.of(new CpuidEntry(0, 0, 0, 1, 2, 3, 4))));
        assertFails(KvmIoctl.KVM_GET_XCRS, vcpu::getXcrs);
        assertFails(KvmIoctl.KVM_SET_XCRS, () -> vcpu.setXcrs(List.of(new Xcr(0, 0xe7))));
        assertFails(KvmIoctl.KVM_RUN, vcpu::run);
        assertThrows(IllegalArgumentException.class, () -> vcpu.setXcrs(
                java.util.Collections.nCopies(KvmConstants.KVM_MAX_XCRS + 1, new Xcr(0, 1))));

        vcpu.setImmediateExit(true);
        vcpu.close();
        assertEquals("", LibcTest.mappingLine(address), "kvm_run must be unmapped on close");
        assertThrows(IllegalStateException.class, vcpu::getRegs);
        assertThrows(IllegalStateException.class, () -> vcpu.setImmediateExit(false));
    }
}
