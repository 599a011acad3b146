package dev.keep.shim.compiler;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Cond;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Reg;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The native harness's stand-in for the keep's ring-0 page-fault stub: a SIGSEGV handler, in machine
 * code from our own assembler (a fault handler cannot run Java), that turns a fault of guard-region
 * code on guard-region memory into the out-of-bounds trap and passes every other SIGSEGV on to the
 * handler that was there before (HotSpot's, which uses SIGSEGV for null checks and safepoints).
 *
 * <p>The redirect: the handler rewrites the interrupted RIP to a stub of its own, {@code mov eax,
 * OOB; <the trap exit>}. The trap exit only needs R15 (the context), which compiled code keeps in
 * place at every instruction, so the faulting function's frames are dropped exactly as an explicit
 * check's jump to the trap would drop them. x86 faults before a faulting store writes anything, so
 * an out-of-bounds store leaves memory as it was.
 *
 * <p>Installed once per process, for the ranges {@link GuardRegions} reserves.
 */
final class GuardFaultHandler {
    private static final int SIGSEGV = 11;
    private static final int SA_SIGINFO = 4;
    /** glibc x86-64 struct sigaction: handler, 128-byte mask, int flags (+4 padding), restorer. */
    private static final long SIGACTION_BYTES = 152;
    private static final long SA_FLAGS = 136;
    /** ucontext_t.uc_mcontext.gregs[REG_RIP]: uc_mcontext at 40, REG_RIP = 16. */
    private static final int UC_RIP = 40 + 8 * 16;
    /** siginfo_t.si_addr (after si_signo, si_errno, si_code and padding). */
    private static final int SI_ADDR = 16;

    private static boolean installed;

    private GuardFaultHandler() {
    }

    static synchronized void install(long memoryStart, long memoryEnd, long codeStart, long codeEnd) {
        if (installed) {
            return;
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle sigaction = linker.downcallHandle(linker.defaultLookup().find("sigaction").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS));
        Arena arena = Arena.global();
        MemorySegment previous = arena.allocate(SIGACTION_BYTES, 16);
        try {
            if ((int) sigaction.invokeExact(SIGSEGV, MemorySegment.NULL, previous) != 0) {
                throw new IllegalStateException("sigaction(SIGSEGV) could not be read");
            }
            long previousHandler = previous.get(ValueLayout.JAVA_LONG, 0);
            int flags = previous.get(ValueLayout.JAVA_INT, SA_FLAGS);
            if ((flags & SA_SIGINFO) == 0 || previousHandler == 0 || previousHandler == 1) {
                throw new IllegalStateException("no SA_SIGINFO SIGSEGV handler to chain to (not a HotSpot JVM?)");
            }
            byte[] code = handlerCode(memoryStart, memoryEnd, codeStart, codeEnd, previousHandler);
            MemorySegment text = NativeMemory.map(4096, NativeMemory.PROT_READ | NativeMemory.PROT_WRITE);
            MemorySegment.copy(MemorySegment.ofArray(code), 0, text, 0, code.length);
            NativeMemory.protect(text, NativeMemory.PROT_READ | NativeMemory.PROT_EXEC);
            // Same mask and flags as before, only the handler changes.
            MemorySegment ours = arena.allocate(SIGACTION_BYTES, 16);
            MemorySegment.copy(previous, 0, ours, 0, SIGACTION_BYTES);
            ours.set(ValueLayout.JAVA_LONG, 0, text.address());
            if ((int) sigaction.invokeExact(SIGSEGV, ours, MemorySegment.NULL) != 0) {
                throw new IllegalStateException("sigaction(SIGSEGV) failed");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        installed = true;
    }

    /** handler(rdi = signal, rsi = siginfo_t*, rdx = ucontext_t*), then the trap stub it resumes at. */
    static byte[] handlerCode(long memoryStart, long memoryEnd, long codeStart, long codeEnd, long previous) {
        Assembler a = new Assembler();
        Label chain = a.newLabel();
        Label stub = a.newLabel();
        a.mov(Reg.RAX, Mem.base(Reg.RDX).disp(UC_RIP));
        outside(a, Reg.RAX, codeStart, codeEnd, chain);
        a.mov(Reg.RAX, Mem.base(Reg.RSI).disp(SI_ADDR));
        outside(a, Reg.RAX, memoryStart, memoryEnd, chain);
        a.lea(Reg.RCX, Mem.rip(stub));
        a.mov(Mem.base(Reg.RDX).disp(UC_RIP), Reg.RCX);
        a.ret();
        a.bind(chain);
        a.mov(Reg.RAX, previous);
        a.jmp(Reg.RAX);
        a.align(16);
        a.bind(stub);
        a.mov(Reg.EAX, TrapKind.OUT_OF_BOUNDS_MEMORY.code());
        ModuleCompiler.emitTrapExit(a);
        return a.finish();
    }

    private static void outside(Assembler a, dev.keep.shim.asm.Gpr value, long start, long end, Label target) {
        a.mov(Reg.RCX, start);
        a.cmp(value, Reg.RCX);
        a.jcc(Cond.B, target);
        a.mov(Reg.RCX, end);
        a.cmp(value, Reg.RCX);
        a.jcc(Cond.AE, target);
    }
}
