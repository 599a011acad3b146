package dev.keep.kvm;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * Why KVM_RUN returned, decoded from kvm_run once, so callers never read the shared page
 * themselves. Exits that need an answer from the VMM ({@link IoIn}, {@link MmioRead}) carry a
 * writable view of the kvm_run bytes the guest will receive on the next KVM_RUN; that view is
 * valid until the next run of the same vCPU.
 */
public sealed interface VcpuExit {

    /** {@code out}/{@code outs}: the guest wrote {@code data} (count x size bytes) to a port. */
    record IoOut(int port, int size, byte[] data) implements VcpuExit {
        public IoOut {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        /** Number of port accesses (more than one only for {@code rep outs}). */
        public int count() {
            return data.length / size;
        }

        /** The first access's value, little-endian, zero-extended. */
        public long value() {
            long value = 0;
            for (int i = size - 1; i >= 0; i--) {
                value = (value << 8) | (data[i] & 0xff);
            }
            return value;
        }
    }

    /**
     * {@code in}/{@code ins}: the guest reads {@code count} x {@code size} bytes from a port;
     * fill {@code data} before the next KVM_RUN.
     */
    record IoIn(int port, int size, int count, MemorySegment data) implements VcpuExit {}

    /** A guest load from a physical address without memory: fill {@code data} (length bytes). */
    record MmioRead(long address, MemorySegment data) implements VcpuExit {}

    /** A guest store of {@code data} to a physical address without memory. */
    record MmioWrite(long address, byte[] data) implements VcpuExit {
        public MmioWrite {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /** {@code hlt} at CPL0 (an in-kernel irqchip would handle it itself; we have none). */
    record Hlt() implements VcpuExit {}

    /** Triple fault or similar: the vCPU is dead. */
    record Shutdown() implements VcpuExit {}

    /** VM entry failed; the reason is the hardware's (VMX/SVM) code, cpu the host CPU. */
    record FailEntry(long hardwareEntryFailureReason, int cpu) implements VcpuExit {}

    /**
     * KVM could not handle the exit itself, e.g. suberror {@link
     * KvmConstants#KVM_INTERNAL_ERROR_EMULATION} for an instruction its emulator does not know.
     */
    record InternalError(int suberror, List<Long> data) implements VcpuExit {
        public InternalError {
            data = List.copyOf(data);
        }
    }

    /** KVM_RUN was interrupted by a signal or immediate_exit before or while running. */
    record Intr() implements VcpuExit {}

    /** An exception KVM reports to userspace instead of injecting it. */
    record ExceptionExit(int exception, int errorCode) implements VcpuExit {}

    /** A reason without hardware details, e.g. an exit the architecture code could not classify. */
    record Unknown(long hardwareExitReason) implements VcpuExit {}

    /** Guest-initiated platform event (shutdown, reset, crash; SEV termination requests). */
    record SystemEvent(int type, List<Long> data) implements VcpuExit {
        public SystemEvent {
            data = List.copyOf(data);
        }
    }

    /**
     * KVM_EXIT_HYPERCALL: a hypercall KVM forwards to userspace (only those enabled with
     * KVM_CAP_EXIT_HYPERCALL, e.g. {@link KvmConstants#KVM_HC_MAP_GPA_RANGE}, which KVM also uses
     * for SEV-SNP page-state changes). Write the result with {@link #answer} before the next
     * KVM_RUN; KVM hands it back to the guest (0 means success).
     *
     * @param nr the hypercall number
     * @param args its six arguments
     * @param ret the 8-byte kvm_run.hypercall.ret field, valid until the next run of the vCPU
     */
    record Hypercall(long nr, List<Long> args, MemorySegment ret) implements VcpuExit {
        public Hypercall {
            args = List.copyOf(args);
        }

        /** Sets kvm_run.hypercall.ret, which the guest receives when the vCPU runs again. */
        public void answer(long value) {
            ret.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
        }
    }

    /** Any exit reason this VMM does not decode; the number is kvm_run.exit_reason. */
    record Other(int exitReason) implements VcpuExit {}
}
