package dev.keep.shim.snp;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;

import dev.keep.shim.asm.Assembler;

/**
 * The emitted guest-request code with the memory a keep would give it, run natively: secrets page,
 * state block, private message buffer, and the two pages that would be shared with the hypervisor.
 */
final class KeepGuestRequest implements AutoCloseable {
    /** What the report destination holds before open runs, to see that a refusal writes nothing. */
    static final byte STALE = (byte) 0xC3;

    record Opened(int status, byte[] report) {
    }

    private final Arena arena = Arena.ofConfined();
    private final NativeCode code;
    private final MethodHandle build;
    private final MethodHandle open;
    private final MemorySegment state;
    private final MemorySegment secrets;
    private final MemorySegment requestPage;
    private final MemorySegment responsePage;
    private final MemorySegment messageBuffer;

    KeepGuestRequest(byte[] secretsPage) throws Throwable {
        Assembler a = new Assembler();
        AesGcmEmitter.Routines gcm = AesGcmEmitter.emit(a);
        a.align(16);
        GuestRequestEmitter.Routines r = GuestRequestEmitter.emit(a, gcm);
        byte[] bytes = a.finish();
        code = new NativeCode(bytes);
        FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS);
        build = code.function(a.offsetOf(r.buildReportRequest()), fd);
        open = code.function(a.offsetOf(r.openReportResponse()), fd);

        secrets = page();
        MemorySegment.copy(MemorySegment.ofArray(secretsPage), 0, secrets, 0, SnpLayout.PAGE_SIZE);
        requestPage = page();
        responsePage = page();
        messageBuffer = page();
        state = arena.allocate(SnpLayout.STATE_SIZE, 16);
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_SECRETS_PAGE, secrets.address());
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_REQUEST_PAGE, requestPage.address());
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_RESPONSE_PAGE, responsePage.address());
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_MESSAGE_BUFFER, messageBuffer.address());
    }

    int buildReportRequest(byte[] reportData) throws Throwable {
        if (reportData.length != SnpLayout.REQ_USER_DATA_SIZE) {
            throw new IllegalArgumentException("report data must be 64 bytes");
        }
        MemorySegment data = arena.allocate(reportData.length);
        MemorySegment.copy(MemorySegment.ofArray(reportData), 0, data, 0, reportData.length);
        return (int) build.invokeExact(state, data);
    }

    byte[] requestPage() {
        return requestPage.toArray(ValueLayout.JAVA_BYTE);
    }

    /** What the hypervisor would do: put the PSP's answer into the shared response page. */
    void deliverResponse(byte[] page) {
        MemorySegment.copy(MemorySegment.ofArray(page), 0, responsePage, 0, SnpLayout.PAGE_SIZE);
    }

    Opened openReportResponse() throws Throwable {
        MemorySegment report = arena.allocate(SnpLayout.REPORT_SIZE + 64);
        report.fill(STALE);
        int status = (int) open.invokeExact(state, report);
        byte[] tail = report.asSlice(SnpLayout.REPORT_SIZE).toArray(ValueLayout.JAVA_BYTE);
        byte[] untouched = new byte[tail.length];
        Arrays.fill(untouched, STALE);
        if (!Arrays.equals(tail, untouched)) {
            throw new AssertionError("open wrote past the 1184-byte report");
        }
        return new Opened(status, report.asSlice(0, SnpLayout.REPORT_SIZE).toArray(ValueLayout.JAVA_BYTE));
    }

    long lastSeqno() {
        return state.get(ValueLayout.JAVA_LONG, SnpLayout.STATE_LAST_SEQNO);
    }

    long awaitedSeqno() {
        return state.get(ValueLayout.JAVA_LONG, SnpLayout.STATE_AWAITED_SEQNO);
    }

    void setLastSeqno(long value) {
        state.set(ValueLayout.JAVA_LONG, SnpLayout.STATE_LAST_SEQNO, value);
    }

    private MemorySegment page() {
        return arena.allocate(SnpLayout.PAGE_SIZE, SnpLayout.PAGE_SIZE);
    }

    @Override
    public void close() throws Exception {
        code.close();
        arena.close();
    }
}
