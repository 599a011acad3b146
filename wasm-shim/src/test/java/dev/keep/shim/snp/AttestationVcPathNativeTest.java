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
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The #VC handler's attestation path run natively, end to end from the payload's report data to a
 * report the PSP double made: the handler emitted by {@link VcHandlerEmitter} with the real build
 * and open routines, entered through the frame the CPU pushes for an {@code out} to
 * {@link AttestationCall#PORT} ({@code out 0xE4, al}) from ring 3 (error code 0x7B; user mode's CS
 * has RPL 3), with
 * EDI/ESI holding linear-memory offsets as the ring-3 routine passes them.
 *
 * <p>Two test doubles, clearly not keep code: the GHCB exchange (wrmsr and VMGEXIT cannot run in a
 * user process) is replaced by a routine that calls into Java, where {@link PspTestDouble} answers
 * the shared request page as the PSP would (authenticating it with VMPCK0 and checking its
 * sequence number); and the "unhandled" target, which in a keep is the vector-29 fault stub, here
 * skips the instruction and answers {@link #UNHANDLED} so a wrong turn shows as a value.
 */
class AttestationVcPathNativeTest {
    private static final int MEMORY_BYTES = 65536;
    private static final long UNHANDLED = 0x7777;
    private static final long SENTINEL_RAX = 0x1234_5678_9ABC_DEF0L;
    private static final byte STALE = (byte) 0xC3;

    private final Random rnd = new Random(0xA77E5L);
    private Arena arena;
    private NativeCode code;
    private MethodHandle raise;
    private MemorySegment linearMemory;
    private MemorySegment requestPage;
    private MemorySegment responsePage;
    private PspTestDouble psp;
    /** What the double does to its next answer (a correct PSP by default). */
    private PspTestDouble.ResponseFields nextFields = new PspTestDouble.ResponseFields();
    private int exchanges;
    private String refusal;

    @BeforeEach
    void assemble() throws Exception {
        arena = Arena.ofShared();
        linearMemory = page(MEMORY_BYTES);
        linearMemory.fill(STALE);
        MemorySegment secrets = page(SnpLayout.PAGE_SIZE);
        byte[] secretBytes = new byte[SnpLayout.PAGE_SIZE];
        rnd.nextBytes(secretBytes);
        MemorySegment.copy(MemorySegment.ofArray(secretBytes), 0, secrets, 0, secretBytes.length);
        psp = new PspTestDouble(Arrays.copyOfRange(secretBytes, SnpLayout.SECRETS_VMPCK0,
                SnpLayout.SECRETS_VMPCK0 + SnpLayout.GCM_KEY_SIZE), rnd);
        requestPage = page(SnpLayout.PAGE_SIZE);
        responsePage = page(SnpLayout.PAGE_SIZE);
        MemorySegment buffer = page(SnpLayout.PAGE_SIZE);
        MemorySegment state = arena.allocate(SnpLayout.STATE_SIZE, 16);
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_SECRETS_PAGE, secrets.address());
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_REQUEST_PAGE, requestPage.address());
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_RESPONSE_PAGE, responsePage.address());
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_MESSAGE_BUFFER, buffer.address());

        MethodHandle target = MethodHandles.lookup().findVirtual(AttestationVcPathNativeTest.class,
                "exchange", MethodType.methodType(int.class)).bindTo(this);
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
        // Test double of the vector-29 fault stub.
        Label unhandled = a.newLabel();
        a.bind(unhandled);
        a.add(Width.QWORD, Mem.base(RSP).disp(8), 2);
        a.add(RSP, 8);
        a.mov(RAX, UNHANDLED);
        a.iretq();
        a.align(16);
        AttestationService service = new AttestationService(linearMemory.address(), MEMORY_BYTES,
                state.address(), request.buildReportRequest(), exchangeDouble,
                request.openReportResponse());
        // The GHCB and CPUID page are not touched on this path.
        Label handler = VcHandlerEmitter.emit(a, 0, 0, 0, cpuid.lookup(), unhandled, service);
        a.align(16);
        Label harness = a.newLabel();
        a.bind(harness);
        harness(a, handler);
        code = new NativeCode(a.finish());
        raise = code.function(a.offsetOf(harness), FunctionDescriptor.ofVoid(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
    }

    /**
     * {@code void raise(u64 rdi, u64 rsi, u64 out[4])}: pushes a #VC frame as the CPU does on IST
     * entry (RSP aligned to 16, then SS, RSP, RFLAGS, CS, RIP of the {@code out}, error code 0x7B),
     * plants a sentinel in RAX and jumps to the handler with RDI and RSI as given. Where the handler
     * resumes it stores RAX, how far RSP moved, RDI and RSI.
     */
    private static void harness(Assembler a, Label handler) {
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

    /** The exchange double: what the hypervisor and the PSP would do with the shared pages. */
    private int exchange() {
        exchanges++;
        try {
            byte[] answer = psp.answer(requestPage.toArray(ValueLayout.JAVA_BYTE), nextFields);
            MemorySegment.copy(MemorySegment.ofArray(answer), 0, responsePage, 0, answer.length);
            return 0;
        } catch (PspTestDouble.Refused e) {
            refusal = e.getMessage();
            return 1;
        }
    }

    private MemorySegment page(long size) {
        return arena.allocate(size, SnpLayout.PAGE_SIZE);
    }

    @AfterEach
    void release() {
        code.close();
        arena.close();
    }

    /** Runs the handler; returns RAX as the payload sees it, after checking everything else. */
    private long attest(long reportDataOffset, long outOffset) throws Throwable {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment out = call.allocate(32, 8);
            raise.invokeExact(reportDataOffset, outOffset, out);
            long[] results = out.toArray(ValueLayout.JAVA_LONG);
            assertEquals(0, results[1], "the stack is where the out left it");
            assertEquals(reportDataOffset, results[2], "rdi restored");
            assertEquals(outOffset, results[3], "rsi restored");
            return results[0];
        }
    }

    private byte[] reportData(int offset) {
        byte[] data = new byte[AttestationCall.REPORT_DATA_SIZE];
        rnd.nextBytes(data);
        MemorySegment.copy(MemorySegment.ofArray(data), 0, linearMemory, offset, data.length);
        return data;
    }

    private byte[] memory(long offset, int length) {
        return linearMemory.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] stale(int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, STALE);
        return b;
    }

    @Test
    void thePayloadsReportDataComesBackInAReportFromThePspDouble() throws Throwable {
        for (int round = 1; round <= 2; round++) {
            byte[] data = reportData(1000);
            long result = attest(1000, 8192);
            assertNull(refusal, "the PSP double accepted the request");
            assertEquals(AttestationCall.REPORT_SIZE, result, "round " + round);
            byte[] report = memory(8192, AttestationCall.REPORT_SIZE);
            assertArrayEquals(data, Arrays.copyOfRange(report, SnpLayout.REPORT_REPORT_DATA,
                    SnpLayout.REPORT_REPORT_DATA + data.length), "REPORT_DATA, round " + round);
            assertArrayEquals(psp.measurement(), Arrays.copyOfRange(report, 0x90, 0x90 + 48));
            assertArrayEquals(stale(64), memory(8192 + AttestationCall.REPORT_SIZE, 64),
                    "nothing past the report");
            // Request and response numbers: 1/2, then 3/4.
            assertEquals(2L * round, psp.lastSeqno());
        }
        assertEquals(2, exchanges);
    }

    @Test
    void buffersOutsideLinearMemoryAreRefusedBeforeAnyRequest() throws Throwable {
        long[][] cases = {
            {MEMORY_BYTES - 63, 0},
            {0, MEMORY_BYTES - AttestationCall.REPORT_SIZE + 1},
            {0xFFFF_FFFFL, 0},
            {0, 0xFFFF_FFFFL},
        };
        for (long[] c : cases) {
            assertEquals(AttestationCall.BAD_POINTER, attest(c[0], c[1]),
                    "report data at " + c[0] + ", output at " + c[1]);
        }
        assertEquals(0, exchanges);
        assertArrayEquals(stale(MEMORY_BYTES), memory(0, MEMORY_BYTES));
    }

    @Test
    void theBuffersMayEndExactlyAtTheEndOfLinearMemory() throws Throwable {
        reportData(MEMORY_BYTES - 64);
        assertEquals(AttestationCall.REPORT_SIZE,
                attest(MEMORY_BYTES - 64, MEMORY_BYTES - AttestationCall.REPORT_SIZE));
    }

    @Test
    void aPspErrorStatusIsAFirmwareErrorAndWritesNothing() throws Throwable {
        reportData(0);
        nextFields.status = 0x16;
        assertEquals(AttestationCall.FIRMWARE_ERROR, attest(0, 4096));
        assertArrayEquals(stale(AttestationCall.REPORT_SIZE), memory(4096, AttestationCall.REPORT_SIZE));
    }

    @Test
    void aRequestThePspRefusesIsAFirmwareError() throws Throwable {
        reportData(0);
        // A PSP double holding another key: the keep's request does not authenticate there.
        psp = new PspTestDouble(new byte[SnpLayout.GCM_KEY_SIZE], rnd);
        assertEquals(AttestationCall.FIRMWARE_ERROR, attest(0, 8192));
        assertEquals("request does not authenticate with VMPCK0", refusal);
        assertArrayEquals(stale(AttestationCall.REPORT_SIZE), memory(8192, AttestationCall.REPORT_SIZE));
    }

    @Test
    void aResponseTheKeepCannotTrustIsRefused() throws Throwable {
        reportData(0);
        nextFields.seqnoDelta = 3;
        assertEquals(AttestationCall.REFUSED, attest(0, 4096));
        assertArrayEquals(stale(AttestationCall.REPORT_SIZE), memory(4096, AttestationCall.REPORT_SIZE));
    }
}
