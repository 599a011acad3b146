package dev.keep.kvm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Executes the CPUID instruction on the host from Java. Java has no intrinsic for it and no C
 * library exports one, so this class writes a tiny x86-64 function into an anonymous page, makes
 * the page read+execute (never writable and executable at once) and calls it through Panama.
 *
 * <p>Used for host capability checks such as SEV support (leaf 0x8000001F). Inside a VM the
 * answers are the hypervisor's view of the CPU, which is what the kernel sees too.
 */
public final class HostCpuid {

    /**
     * {@code void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])}, System V ABI:
     * leaf in edi, subleaf in esi, out in rdx. CPUID overwrites rbx, which is callee-saved, so
     * it is pushed and popped; rdx is overwritten too, so the pointer moves to r8 first.
     */
    private static final byte[] CPUID_FUNCTION = {
        (byte) 0x53,                               // push rbx
        (byte) 0x49, (byte) 0x89, (byte) 0xd0,     // mov  r8, rdx
        (byte) 0x89, (byte) 0xf8,                  // mov  eax, edi
        (byte) 0x89, (byte) 0xf1,                  // mov  ecx, esi
        (byte) 0x0f, (byte) 0xa2,                  // cpuid
        (byte) 0x41, (byte) 0x89, (byte) 0x00,     // mov  [r8], eax
        (byte) 0x41, (byte) 0x89, (byte) 0x58, 4,  // mov  [r8+4], ebx
        (byte) 0x41, (byte) 0x89, (byte) 0x48, 8,  // mov  [r8+8], ecx
        (byte) 0x41, (byte) 0x89, (byte) 0x50, 12, // mov  [r8+12], edx
        (byte) 0x5b,                               // pop  rbx
        (byte) 0xc3,                               // ret
    };

    /** Leaf 0x80000000: EAX = highest extended leaf. */
    public static final int EXTENDED_BASE = 0x8000_0000;

    private HostCpuid() {}

    /** Built once per JVM; the page stays mapped for the process lifetime (one page). */
    private static final class Function {
        static final MethodHandle CPUID = create();

        @SuppressWarnings("restricted") // SAFETY: see the comments at each restricted call.
        private static MethodHandle create() {
            long page = GuestMemory.PAGE_SIZE;
            try {
                long code = Libc.mmap(0, page, LibcConstants.PROT_READ | LibcConstants.PROT_WRITE,
                        LibcConstants.MAP_PRIVATE | LibcConstants.MAP_ANONYMOUS, -1, 0);
                // SAFETY: the page was just mapped read-write with this size.
                MemorySegment.ofAddress(code).reinterpret(page)
                        .copyFrom(MemorySegment.ofArray(CPUID_FUNCTION));
                Libc.mprotect(code, page, LibcConstants.PROT_READ | LibcConstants.PROT_EXEC);
                // SAFETY: the page holds CPUID_FUNCTION, whose ABI matches the descriptor.
                return Linker.nativeLinker().downcallHandle(MemorySegment.ofAddress(code),
                        FunctionDescriptor.ofVoid(JAVA_INT, JAVA_INT, ADDRESS));
            } catch (NativeCallException e) {
                throw new IllegalStateException("cannot prepare the CPUID function: "
                        + e.getMessage(), e);
            }
        }
    }

    /** Runs CPUID with EAX = leaf and ECX = subleaf; returns {eax, ebx, ecx, edx}. */
    public static int[] query(int leaf, int subleaf) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.JAVA_INT, 4);
            Function.CPUID.invokeExact(leaf, subleaf, out);
            return out.toArray(ValueLayout.JAVA_INT);
        } catch (Throwable t) {
            throw new IllegalStateException("CPUID call failed: " + t, t);
        }
    }

    /** The 12-character vendor string, e.g. "AuthenticAMD" or "GenuineIntel". */
    public static String vendor() {
        int[] r = query(0, 0);
        // The vendor string is spelt in EBX, EDX, ECX order.
        return ascii(r[1], r[3], r[2]);
    }

    /** Highest basic leaf (leaf 0, EAX). */
    public static int maxBasicLeaf() {
        return query(0, 0)[0];
    }

    /** Highest extended leaf (leaf 0x80000000, EAX), e.g. 0x80000021. */
    public static int maxExtendedLeaf() {
        return query(EXTENDED_BASE, 0)[0];
    }

    /** Display family from leaf 1: base family, plus extended family when base is 0xF. */
    public static int family() {
        int eax = query(1, 0)[0];
        int base = (eax >>> 8) & 0xf;
        return base == 0xf ? base + ((eax >>> 20) & 0xff) : base;
    }

    /** Display model from leaf 1: extended model joins in for families 6 and 0xF. */
    public static int model() {
        int eax = query(1, 0)[0];
        int base = (eax >>> 8) & 0xf;
        int model = (eax >>> 4) & 0xf;
        return base == 0x6 || base == 0xf ? model | (((eax >>> 16) & 0xf) << 4) : model;
    }

    /** The hypervisor's signature from leaf 0x40000000 when CPUID.1:ECX[31] is set, else "". */
    public static String hypervisorSignature() {
        if ((query(1, 0)[2] & (1 << 31)) == 0) {
            return "";
        }
        int[] r = query(0x4000_0000, 0);
        return ascii(r[1], r[2], r[3]).replace("\0", "");
    }

    private static String ascii(int... registers) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * registers.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int register : registers) {
            bytes.putInt(register);
        }
        return new String(bytes.array(), StandardCharsets.US_ASCII);
    }
}
