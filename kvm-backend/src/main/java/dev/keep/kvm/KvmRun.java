package dev.keep.kvm;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The vCPU's kvm_run page: owns the mapping (unmapped when closed) and is the only code that
 * reads or writes it. {@link #decodeExit()} turns the exit information into a {@link VcpuExit}.
 *
 * <p>The mapping belongs to a shared arena: another thread may set {@code immediate_exit} while
 * the vCPU thread sits in KVM_RUN, and closing the arena makes any later access fail cleanly
 * instead of touching an unmapped page.
 */
final class KvmRun implements AutoCloseable {

    private static final PathElement EXIT = groupElement(KvmStructs.KVM_RUN_EXIT_UNION);

    private static final VarHandle IMMEDIATE_EXIT = handle(groupElement("immediate_exit"));
    private static final VarHandle EXIT_REASON = handle(groupElement("exit_reason"));
    private static final VarHandle IO_DIRECTION = exitHandle("io", "direction");
    private static final VarHandle IO_SIZE = exitHandle("io", "size");
    private static final VarHandle IO_PORT = exitHandle("io", "port");
    private static final VarHandle IO_COUNT = exitHandle("io", "count");
    private static final VarHandle IO_DATA_OFFSET = exitHandle("io", "data_offset");
    private static final VarHandle MMIO_ADDRESS = exitHandle("mmio", "phys_addr");
    private static final VarHandle MMIO_LENGTH = exitHandle("mmio", "len");
    private static final VarHandle MMIO_IS_WRITE = exitHandle("mmio", "is_write");
    private static final long MMIO_DATA = exitOffset("mmio", "data");
    private static final long MMIO_DATA_CAPACITY = 8;
    private static final VarHandle FAIL_REASON =
            exitHandle("fail_entry", "hardware_entry_failure_reason");
    private static final VarHandle FAIL_CPU = exitHandle("fail_entry", "cpu");
    private static final VarHandle INTERNAL_SUBERROR = exitHandle("internal", "suberror");
    private static final VarHandle INTERNAL_NDATA = exitHandle("internal", "ndata");
    private static final long INTERNAL_DATA = exitOffset("internal", "data");
    private static final int INTERNAL_DATA_CAPACITY = 16;
    private static final VarHandle EXCEPTION_VECTOR = exitHandle("ex", "exception");
    private static final VarHandle EXCEPTION_ERROR = exitHandle("ex", "error_code");
    private static final VarHandle HW_EXIT_REASON = exitHandle("hw", "hardware_exit_reason");
    private static final VarHandle EVENT_TYPE = exitHandle("system_event", "type");
    private static final VarHandle EVENT_NDATA = exitHandle("system_event", "ndata");
    private static final long EVENT_DATA = KvmStructs.KVM_RUN.byteOffset(EXIT,
            groupElement("system_event"), groupElement(KvmStructs.SYSTEM_EVENT_DATA_UNION),
            groupElement("data"));
    private static final int EVENT_DATA_CAPACITY = 16;

    private static final VarHandle HYPERCALL_NR = exitHandle("hypercall", "nr");
    private static final long HYPERCALL_ARGS = exitOffset("hypercall", "args");
    private static final int HYPERCALL_ARG_COUNT = 6;
    private static final long HYPERCALL_RET = exitOffset("hypercall", "ret");

    private final Arena arena;
    private final MemorySegment page;

    private static VarHandle handle(PathElement... path) {
        return KvmStructs.KVM_RUN.varHandle(path);
    }

    private static VarHandle exitHandle(String member, String field) {
        return handle(EXIT, groupElement(member), groupElement(field));
    }

    private static long exitOffset(String member, String field) {
        return KvmStructs.KVM_RUN.byteOffset(EXIT, groupElement(member), groupElement(field));
    }

    /**
     * Takes ownership of a kvm_run mapping of {@code size} bytes at {@code address} (from mmap
     * of a vCPU fd); closing unmaps it.
     */
    @SuppressWarnings("restricted") // SAFETY: caller passes the address and size mmap returned.
    static KvmRun own(long address, long size) {
        Arena arena = Arena.ofShared();
        MemorySegment page = MemorySegment.ofAddress(address).reinterpret(size, arena,
                mapping -> unmapQuietly(mapping.address(), size));
        return new KvmRun(arena, page);
    }

    /** Wraps memory the caller owns; used to decode exits from a buffer in tests. */
    static KvmRun view(MemorySegment page) {
        if (page.byteSize() < KvmStructs.KVM_RUN.byteSize()) {
            throw new IllegalArgumentException("kvm_run needs " + KvmStructs.KVM_RUN.byteSize()
                    + " bytes, got " + page.byteSize());
        }
        return new KvmRun(null, page);
    }

    private KvmRun(Arena arena, MemorySegment page) {
        this.arena = arena;
        this.page = page;
    }

    private static void unmapQuietly(long address, long size) {
        try {
            Libc.munmap(address, size);
        } catch (NativeCallException e) {
            // munmap only fails for invalid arguments; there is no one to report to at cleanup.
        }
    }

    /** Sets or clears immediate_exit; safe to call from any thread (a volatile byte store). */
    void setImmediateExit(boolean value) {
        IMMEDIATE_EXIT.setVolatile(page, 0L, value ? (byte) 1 : (byte) 0);
    }

    boolean immediateExit() {
        return (byte) IMMEDIATE_EXIT.getVolatile(page, 0L) != 0;
    }

    int exitReason() {
        return (int) EXIT_REASON.get(page, 0L);
    }

    /** Decodes the exit KVM just reported. Guest-controlled offsets and lengths are checked. */
    VcpuExit decodeExit() {
        int reason = exitReason();
        return switch (reason) {
            case KvmConstants.KVM_EXIT_IO -> decodeIo();
            case KvmConstants.KVM_EXIT_MMIO -> decodeMmio();
            case KvmConstants.KVM_EXIT_HLT -> new VcpuExit.Hlt();
            case KvmConstants.KVM_EXIT_SHUTDOWN -> new VcpuExit.Shutdown();
            case KvmConstants.KVM_EXIT_INTR -> new VcpuExit.Intr();
            case KvmConstants.KVM_EXIT_FAIL_ENTRY -> new VcpuExit.FailEntry(
                    (long) FAIL_REASON.get(page, 0L), (int) FAIL_CPU.get(page, 0L));
            case KvmConstants.KVM_EXIT_INTERNAL_ERROR -> new VcpuExit.InternalError(
                    (int) INTERNAL_SUBERROR.get(page, 0L),
                    longs(INTERNAL_DATA, (int) INTERNAL_NDATA.get(page, 0L),
                            INTERNAL_DATA_CAPACITY));
            case KvmConstants.KVM_EXIT_EXCEPTION -> new VcpuExit.ExceptionExit(
                    (int) EXCEPTION_VECTOR.get(page, 0L), (int) EXCEPTION_ERROR.get(page, 0L));
            case KvmConstants.KVM_EXIT_UNKNOWN -> new VcpuExit.Unknown(
                    (long) HW_EXIT_REASON.get(page, 0L));
            case KvmConstants.KVM_EXIT_SYSTEM_EVENT -> new VcpuExit.SystemEvent(
                    (int) EVENT_TYPE.get(page, 0L),
                    longs(EVENT_DATA, (int) EVENT_NDATA.get(page, 0L), EVENT_DATA_CAPACITY));
            case KvmConstants.KVM_EXIT_HYPERCALL -> new VcpuExit.Hypercall(
                    (long) HYPERCALL_NR.get(page, 0L),
                    longs(HYPERCALL_ARGS, HYPERCALL_ARG_COUNT, HYPERCALL_ARG_COUNT),
                    page.asSlice(HYPERCALL_RET, Long.BYTES));
            default -> new VcpuExit.Other(reason);
        };
    }

    private VcpuExit decodeIo() {
        int direction = Byte.toUnsignedInt((byte) IO_DIRECTION.get(page, 0L));
        int size = Byte.toUnsignedInt((byte) IO_SIZE.get(page, 0L));
        int port = Short.toUnsignedInt((short) IO_PORT.get(page, 0L));
        long count = Integer.toUnsignedLong((int) IO_COUNT.get(page, 0L));
        long dataOffset = (long) IO_DATA_OFFSET.get(page, 0L);
        long length = count * size;
        // The kernel sets these, but they live in a page userspace can scribble on: stay inside.
        if (size != 1 && size != 2 && size != 4 || count == 0
                || dataOffset < 0 || dataOffset + length > page.byteSize()) {
            throw new IllegalStateException("kvm_run io exit is malformed: size " + size
                    + ", count " + count + ", data_offset " + dataOffset);
        }
        MemorySegment data = page.asSlice(dataOffset, length);
        if (direction == KvmConstants.KVM_EXIT_IO_OUT) {
            return new VcpuExit.IoOut(port, size, data.toArray(ValueLayout.JAVA_BYTE));
        }
        return new VcpuExit.IoIn(port, size, (int) count, data);
    }

    private VcpuExit decodeMmio() {
        long address = (long) MMIO_ADDRESS.get(page, 0L);
        int length = (int) MMIO_LENGTH.get(page, 0L);
        if (length <= 0 || length > MMIO_DATA_CAPACITY) {
            throw new IllegalStateException("kvm_run mmio exit is malformed: len " + length);
        }
        MemorySegment data = page.asSlice(MMIO_DATA, length);
        if ((byte) MMIO_IS_WRITE.get(page, 0L) != 0) {
            return new VcpuExit.MmioWrite(address, data.toArray(ValueLayout.JAVA_BYTE));
        }
        return new VcpuExit.MmioRead(address, data);
    }

    private List<Long> longs(long offset, int count, int capacity) {
        int n = Math.clamp(count, 0, capacity);
        List<Long> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            values.add(page.get(ValueLayout.JAVA_LONG, offset + 8L * i));
        }
        return values;
    }

    @Override
    public synchronized void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
