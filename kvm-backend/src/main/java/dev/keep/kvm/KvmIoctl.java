package dev.keep.kvm;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;

/**
 * Every KVM ioctl request this module knows, with its number computed the way
 * {@code <asm-generic/ioctl.h>} does: from the direction, the KVM magic 0xAE, the command number
 * and the argument struct's size (taken from the same layout the call uses, so a layout change
 * changes the number too). Constant names are the C macro names; the ABI test compares each
 * number with the system headers.
 *
 * <p>Grouped by the file descriptor that accepts the request; the comment names the capability
 * a caller should check first when the ioctl is not part of the base API.
 */
public enum KvmIoctl {

    // --- /dev/kvm (system fd) ---
    KVM_GET_API_VERSION(Target.SYSTEM, io(0x00)),
    KVM_CREATE_VM(Target.SYSTEM, io(0x01)),
    KVM_CHECK_EXTENSION(Target.SYSTEM, io(0x03)),
    KVM_GET_VCPU_MMAP_SIZE(Target.SYSTEM, io(0x04)),
    /** KVM_CAP_EXT_CPUID. */
    KVM_GET_SUPPORTED_CPUID(Target.SYSTEM, ioWriteRead(0x05, KvmStructs.KVM_CPUID2)),

    // --- VM fd ---
    KVM_CREATE_VCPU(Target.VM, io(0x41)),
    KVM_SET_USER_MEMORY_REGION(Target.VM,
            ioWrite(0x46, KvmStructs.KVM_USERSPACE_MEMORY_REGION)),
    /** KVM_CAP_SET_TSS_ADDR. */
    KVM_SET_TSS_ADDR(Target.VM, io(0x47)),
    /** KVM_CAP_SET_IDENTITY_MAP_ADDR; the argument points to a __u64. */
    KVM_SET_IDENTITY_MAP_ADDR(Target.VM, ioWrite(0x48, JAVA_LONG)),
    /** KVM_CAP_USER_MEMORY2 (Linux 6.8+). */
    KVM_SET_USER_MEMORY_REGION2(Target.VM,
            ioWrite(0x49, KvmStructs.KVM_USERSPACE_MEMORY_REGION2)),
    /** Enables a VM capability, e.g. KVM_CAP_EXIT_HYPERCALL. */
    KVM_ENABLE_CAP(Target.VM, ioWrite(0xa3, KvmStructs.KVM_ENABLE_CAP)),
    /** SEV/TDX command multiplexer; the C declaration's argument type is unsigned long. */
    KVM_MEMORY_ENCRYPT_OP(Target.VM, ioWriteRead(0xba, JAVA_LONG)),
    /** KVM_CAP_MEMORY_ATTRIBUTES (Linux 6.8+). */
    KVM_SET_MEMORY_ATTRIBUTES(Target.VM, ioWrite(0xd2, KvmStructs.KVM_MEMORY_ATTRIBUTES)),
    /** KVM_CAP_GUEST_MEMFD (Linux 6.8+). */
    KVM_CREATE_GUEST_MEMFD(Target.VM, ioWriteRead(0xd4, KvmStructs.KVM_CREATE_GUEST_MEMFD)),

    // --- vCPU fd ---
    KVM_RUN(Target.VCPU, io(0x80)),
    KVM_GET_REGS(Target.VCPU, ioRead(0x81, KvmStructs.KVM_REGS)),
    KVM_SET_REGS(Target.VCPU, ioWrite(0x82, KvmStructs.KVM_REGS)),
    KVM_GET_SREGS(Target.VCPU, ioRead(0x83, KvmStructs.KVM_SREGS)),
    KVM_SET_SREGS(Target.VCPU, ioWrite(0x84, KvmStructs.KVM_SREGS)),
    KVM_GET_MSRS(Target.VCPU, ioWriteRead(0x88, KvmStructs.KVM_MSRS)),
    KVM_SET_MSRS(Target.VCPU, ioWrite(0x89, KvmStructs.KVM_MSRS)),
    KVM_SET_CPUID2(Target.VCPU, ioWrite(0x90, KvmStructs.KVM_CPUID2)),
    /** KVM_CAP_XCRS. */
    KVM_GET_XCRS(Target.VCPU, ioRead(0xa6, KvmStructs.KVM_XCRS)),
    /** KVM_CAP_XCRS. */
    KVM_SET_XCRS(Target.VCPU, ioWrite(0xa7, KvmStructs.KVM_XCRS));

    /** The kind of file descriptor an ioctl is issued on. */
    public enum Target { SYSTEM, VM, VCPU }

    private static final int KVMIO = 0xAE;
    // <asm-generic/ioctl.h>: nr bits 0-7, type bits 8-15, size bits 16-29, direction bits 30-31.
    private static final int DIR_NONE = 0;
    private static final int DIR_WRITE = 1;
    private static final int DIR_READ = 2;
    private static final long SIZE_LIMIT = 1L << 14;

    private final Target target;
    private final long number;

    KvmIoctl(Target target, long number) {
        this.target = target;
        this.number = number;
    }

    /** The request number passed to ioctl(2). */
    public long number() {
        return number;
    }

    /** The file descriptor kind that accepts this request. */
    public Target target() {
        return target;
    }

    private static long encode(int direction, int nr, long size) {
        if (size >= SIZE_LIMIT) {
            throw new IllegalArgumentException("ioctl argument too large: " + size);
        }
        return ((long) direction << 30) | (size << 16) | ((long) KVMIO << 8) | nr;
    }

    private static long io(int nr) {
        return encode(DIR_NONE, nr, 0);
    }

    private static long ioRead(int nr, MemoryLayout argument) {
        return encode(DIR_READ, nr, argument.byteSize());
    }

    private static long ioWrite(int nr, MemoryLayout argument) {
        return encode(DIR_WRITE, nr, argument.byteSize());
    }

    private static long ioWriteRead(int nr, MemoryLayout argument) {
        return encode(DIR_READ | DIR_WRITE, nr, argument.byteSize());
    }
}
