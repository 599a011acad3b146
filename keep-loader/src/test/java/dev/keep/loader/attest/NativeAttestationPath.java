package dev.keep.loader.attest;

import static dev.keep.shim.asm.Reg.AL;
import static dev.keep.shim.asm.Reg.R12;
import static dev.keep.shim.asm.Reg.R13;
import static dev.keep.shim.asm.Reg.RAX;
import static dev.keep.shim.asm.Reg.RBP;
import static dev.keep.shim.asm.Reg.RBX;
import static dev.keep.shim.asm.Reg.R14;
import static dev.keep.shim.asm.Reg.R15;
import static dev.keep.shim.asm.Reg.RSP;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Width;
import dev.keep.shim.snp.AesGcmEmitter;
import dev.keep.shim.snp.AttestationCall;
import dev.keep.shim.snp.AttestationService;
import dev.keep.shim.snp.CpuidPageEmitter;
import dev.keep.shim.snp.GuestRequestEmitter;
import dev.keep.shim.snp.NativeCode;
import dev.keep.shim.snp.PspTestDouble;
import dev.keep.shim.snp.SnpLayout;
import dev.keep.shim.snp.VcHandlerEmitter;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * The keep's #VC attestation path (the real handler, guest-request build and open routines) run in
 * this process, entered as the CPU enters it when the payload's {@code out} to
 * {@link AttestationCall#PORT} traps. Its secrets page holds a VMPCK0 shared with a
 * {@link PspTestDouble}; the GHCB exchange, which needs VMGEXIT, is replaced by a call into Java
 * that hands the request page to that double and copies its answer into the response page.
 */
final class NativeAttestationPath implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment linearMemory;
    private final MemorySegment requestPage;
    private final MemorySegment responsePage;
    private final PspTestDouble psp;
    private final NativeCode code;
    private final MethodHandle raise;
    private String refusal;

    /**
     * @param memoryBytes the payload's linear memory size
     * @param psp         a factory for the PSP double given the VMPCK0 placed in the secrets page
     */
    NativeAttestationPath(int memoryBytes, Function<byte[], PspTestDouble> psp,
            Random rnd) throws ReflectiveOperationException {
        linearMemory = page(memoryBytes);
        MemorySegment secrets = page(SnpLayout.PAGE_SIZE);
        byte[] secretBytes = new byte[SnpLayout.PAGE_SIZE];
        rnd.nextBytes(secretBytes);
        MemorySegment.copy(MemorySegment.ofArray(secretBytes), 0, secrets, 0, secretBytes.length);
        this.psp = psp.apply(Arrays.copyOfRange(secretBytes, SnpLayout.SECRETS_VMPCK0,
                SnpLayout.SECRETS_VMPCK0 + SnpLayout.GCM_KEY_SIZE));
        requestPage = page(SnpLayout.PAGE_SIZE);
        responsePage = page(SnpLayout.PAGE_SIZE);
        MemorySegment buffer = page(SnpLayout.PAGE_SIZE);
        MemorySegment state = arena.allocate(SnpLayout.STATE_SIZE, 16);
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_SECRETS_PAGE, secrets.address());
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_REQUEST_PAGE, requestPage.address());
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_RESPONSE_PAGE, responsePage.address());
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_MESSAGE_BUFFER, buffer.address());

        MethodHandle target = MethodHandles.lookup().findVirtual(NativeAttestationPath.class, "exchange",
                MethodType.methodType(int.class)).bindTo(this);
        MemorySegment upcall = Linker.nativeLinker().upcallStub(target,
                FunctionDescriptor.of(ValueLayout.JAVA_INT), arena);

        Assembler a = new Assembler();
        AesGcmEmitter.Routines gcm = AesGcmEmitter.emit(a);
        a.align(16);
        GuestRequestEmitter.Routines request = GuestRequestEmitter.emit(a, gcm);
        a.align(16);
        CpuidPageEmitter.Routines cpuid = CpuidPageEmitter.emit(a);
        // In place of the GHCB exchange: a call into Java with the stack 16-byte aligned.
        a.align(16);
        Label exchange = a.newLabel();
        a.bind(exchange);
        a.sub(RSP, 8);
        a.mov(RAX, upcall.address());
        a.call(RAX);
        a.add(RSP, 8);
        a.ret();
        // In place of the vector-29 fault stub (not reached on this path): skip the out, answer -1.
        Label unhandled = a.newLabel();
        a.bind(unhandled);
        a.add(Width.QWORD, Mem.base(RSP).disp(8), 2);
        a.add(RSP, 8);
        a.mov(RAX, -1L);
        a.iretq();
        a.align(16);
        AttestationService service = new AttestationService(linearMemory.address(), memoryBytes,
                state.address(), request.buildReportRequest(), exchange, request.openReportResponse());
        Label handler = VcHandlerEmitter.emit(a, 0, 0, 0, cpuid.lookup(), unhandled, service);
        a.align(16);
        Label entry = a.newLabel();
        a.bind(entry);
        trapFrameEntry(a, handler);
        code = new NativeCode(a.finish());
        raise = code.function(a.offsetOf(entry), FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    }

    /**
     * {@code u64 raise(u64 reportData, u64 out)}: pushes the frame the CPU pushes for a #VC on the
     * payload's {@code out} (SS, RSP, RFLAGS, CS, RIP of the out, error code IOIO) and jumps to the
     * handler with RDI and RSI as the payload's attestation routine sets them; returns RAX as the
     * payload sees it when the handler resumes it after the out.
     */
    private static void trapFrameEntry(Assembler a, Label handler) {
        Label site = a.newLabel();
        // The System V callee-saved registers, kept by the caller of this function.
        List<Gpr> saved = List.of(RBX, RBP, R12, R13, R14, R15);
        saved.forEach(a::push);
        a.mov(R13, RSP);
        a.and(RSP, -16);
        a.db(new byte[] {(byte) 0x8C, (byte) 0xD0});        // mov eax, ss
        a.push(RAX);
        a.push(R13);
        a.db(0x9C);                                           // pushfq
        a.db(new byte[] {(byte) 0x8C, (byte) 0xC8});        // mov eax, cs
        a.push(RAX);
        a.lea(RAX, Mem.rip(site));
        a.push(RAX);
        a.push(SnpLayout.EXIT_IOIO);
        a.jmp(handler);
        a.bind(site);
        a.out(AttestationCall.PORT, AL);                      // never runs: the handler skips it
        a.mov(RSP, R13);
        for (int i = saved.size() - 1; i >= 0; i--) {
            a.pop(saved.get(i));
        }
        a.ret();
    }

    /** What the hypervisor and the PSP do with the shared pages; never throws into native code. */
    private int exchange() {
        try {
            byte[] answer = psp.answerCorrectly(requestPage.toArray(ValueLayout.JAVA_BYTE));
            MemorySegment.copy(MemorySegment.ofArray(answer), 0, responsePage, 0, answer.length);
            return 0;
        } catch (PspTestDouble.Refused | RuntimeException e) {
            refusal = e.getMessage();
            return 1;
        }
    }

    /** Places bytes in the payload's linear memory (as its data segment would be). */
    void write(int offset, byte[] bytes) {
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, linearMemory, offset, bytes.length);
    }

    byte[] read(int offset, int length) {
        return linearMemory.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The attestation call with the payload's report data and output offsets; its result in RAX. */
    long attest(int reportDataOffset, int outOffset) throws Throwable {
        return (long) raise.invokeExact((long) reportDataOffset, (long) outOffset);
    }

    /** Why the PSP double refused the last request, or null. */
    String refusal() {
        return refusal;
    }

    private MemorySegment page(long size) {
        return arena.allocate(size, SnpLayout.PAGE_SIZE);
    }

    @Override
    public void close() {
        code.close();
        arena.close();
    }
}
