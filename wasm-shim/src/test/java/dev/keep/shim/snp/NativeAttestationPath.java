package dev.keep.shim.snp;

import static dev.keep.shim.asm.Reg.AL;
import static dev.keep.shim.asm.Reg.R12;
import static dev.keep.shim.asm.Reg.R13;
import static dev.keep.shim.asm.Reg.R14;
import static dev.keep.shim.asm.Reg.R15;
import static dev.keep.shim.asm.Reg.RAX;
import static dev.keep.shim.asm.Reg.RBP;
import static dev.keep.shim.asm.Reg.RBX;
import static dev.keep.shim.asm.Reg.RDI;
import static dev.keep.shim.asm.Reg.RDX;
import static dev.keep.shim.asm.Reg.RSI;
import static dev.keep.shim.asm.Reg.RSP;

import dev.keep.shim.asm.Assembler;
import dev.keep.shim.asm.Gpr;
import dev.keep.shim.asm.Label;
import dev.keep.shim.asm.Mem;
import dev.keep.shim.asm.Width;
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
 * The keep's #VC attestation path run in this process: the handler emitted by
 * {@link VcHandlerEmitter} with the real guest-request build and open routines, entered through the
 * frame the CPU pushes for the payload's {@code out} to {@link AttestationCall#PORT} from ring 3
 * (error code IOIO), with EDI/ESI holding linear-memory offsets as the ring-3 routine passes them.
 *
 * <p>Two TEST DOUBLES, clearly not keep code: the GHCB exchange (wrmsr and VMGEXIT cannot run in a
 * user process) is replaced by a routine that calls into Java, where a {@link PspTestDouble} holding
 * the secrets page's VMPCK0 answers the shared request page as the PSP would; and the "unhandled"
 * target, in a keep the vector-29 fault stub, here skips the instruction and answers
 * {@link #UNHANDLED}, so a wrong turn shows as a value.
 */
public final class NativeAttestationPath implements AutoCloseable {
    /** RAX after the handler took the unhandled path. */
    public static final long UNHANDLED = 0x7777;
    private static final long SENTINEL_RAX = 0x1234_5678_9ABC_DEF0L;

    /** What the handler left: RAX as the payload sees it, how far RSP moved, RDI and RSI. */
    public record Outcome(long rax, long rspMoved, long rdi, long rsi) {}

    private final Arena arena = Arena.ofShared();
    private final MemorySegment linearMemory;
    private final MemorySegment requestPage;
    private final MemorySegment responsePage;
    private final NativeCode code;
    private final MethodHandle raise;
    private PspTestDouble psp;
    private PspTestDouble.ResponseFields nextFields = new PspTestDouble.ResponseFields();
    private int exchanges;
    private String refusal;

    /**
     * @param memoryBytes the payload's linear memory size
     * @param psp a factory for the PSP double given the VMPCK0 placed in the secrets page
     * @param rnd where the secrets page's bytes come from
     */
    public NativeAttestationPath(int memoryBytes, Function<byte[], PspTestDouble> psp, Random rnd)
            throws ReflectiveOperationException {
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
        // Test double of the GHCB exchange: the stack is 16-byte aligned at the call into Java.
        a.align(16);
        Label exchangeDouble = a.newLabel();
        a.bind(exchangeDouble);
        a.sub(RSP, 8);
        a.mov(RAX, upcall.address());
        a.call(RAX);
        a.add(RSP, 8);
        a.ret();
        // Test double of the vector-29 fault stub: skip the two-byte out, answer UNHANDLED.
        Label unhandled = a.newLabel();
        a.bind(unhandled);
        a.add(Width.QWORD, Mem.base(RSP).disp(8), 2);
        a.add(RSP, 8);
        a.mov(RAX, UNHANDLED);
        a.iretq();
        a.align(16);
        AttestationService service = new AttestationService(linearMemory.address(), memoryBytes,
                state.address(), request.buildReportRequest(), exchangeDouble,
                request.openReportResponse());
        // The GHCB and CPUID page are not touched on this path.
        Label handler = VcHandlerEmitter.emit(a, 0, 0, 0, cpuid.lookup(), unhandled, service);
        a.align(16);
        Label entry = a.newLabel();
        a.bind(entry);
        trapFrameEntry(a, handler);
        code = new NativeCode(a.finish());
        raise = code.function(a.offsetOf(entry), FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    }

    /**
     * {@code void raise(u64 rdi, u64 rsi, u64 out[4])}: pushes a #VC frame as the CPU does on IST
     * entry (RSP aligned to 16, then SS, RSP, RFLAGS, CS, RIP of the {@code out}, error code IOIO),
     * plants a sentinel in RAX and jumps to the handler with RDI and RSI as given. Where the handler
     * resumes it stores RAX, how far RSP moved, RDI and RSI.
     */
    private static void trapFrameEntry(Assembler a, Label handler) {
        Label site = a.newLabel();
        List<Gpr> saved = List.of(RBX, RBP, R12, R13, R14, R15);
        saved.forEach(a::push);
        a.mov(R12, RDX);
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
        a.mov(RAX, SENTINEL_RAX);
        a.jmp(handler);
        a.bind(site);
        a.out(AttestationCall.PORT, AL);                      // never runs: the handler skips it
        a.mov(Mem.base(R12), RAX);
        a.mov(RAX, RSP);
        a.sub(RAX, R13);
        a.mov(Mem.base(R12).disp(8), RAX);
        a.mov(Mem.base(R12).disp(16), RDI);
        a.mov(Mem.base(R12).disp(24), RSI);
        a.mov(RSP, R13);
        for (int i = saved.size() - 1; i >= 0; i--) {
            a.pop(saved.get(i));
        }
        a.ret();
    }

    /** The exchange double: what the hypervisor and the PSP do with the shared pages; never throws into native code. */
    private int exchange() {
        exchanges++;
        try {
            byte[] answer = psp.answer(requestPage.toArray(ValueLayout.JAVA_BYTE), nextFields);
            MemorySegment.copy(MemorySegment.ofArray(answer), 0, responsePage, 0, answer.length);
            return 0;
        } catch (PspTestDouble.Refused | RuntimeException e) {
            refusal = e.getMessage();
            return 1;
        }
    }

    /** Takes the payload's {@code out} with RDI/RSI = the two offsets; what the handler left. */
    public Outcome raise(long reportDataOffset, long outOffset) throws Throwable {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(32, 8);
            raise.invokeExact(reportDataOffset, outOffset, out);
            long[] r = out.toArray(ValueLayout.JAVA_LONG);
            return new Outcome(r[0], r[1], r[2], r[3]);
        }
    }

    /**
     * The attestation call as the payload makes it; its result in RAX. Throws if the handler did not
     * resume the payload where the out left it with RDI and RSI intact.
     */
    public long attest(long reportDataOffset, long outOffset) throws Throwable {
        Outcome o = raise(reportDataOffset, outOffset);
        if (o.rspMoved() != 0 || o.rdi() != reportDataOffset || o.rsi() != outOffset) {
            throw new AssertionError("the handler did not resume the payload intact: " + o);
        }
        return o.rax();
    }

    /** Places bytes in the payload's linear memory (as its data segment would be). */
    public void write(long offset, byte[] bytes) {
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, linearMemory, offset, bytes.length);
    }

    public byte[] read(long offset, int length) {
        return linearMemory.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Fills the whole linear memory with {@code value}. */
    public void fill(byte value) {
        linearMemory.fill(value);
    }

    public PspTestDouble psp() {
        return psp;
    }

    /** Puts another PSP double behind the exchange (e.g. one holding a different key). */
    public void replacePsp(PspTestDouble other) {
        psp = other;
    }

    /** What the double does to its next answers (a correct PSP by default). */
    public PspTestDouble.ResponseFields nextFields() {
        return nextFields;
    }

    public int exchanges() {
        return exchanges;
    }

    /** Why the PSP double refused the last request, or null. */
    public String refusal() {
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
