package dev.keep.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.keep.shim.link.LaunchConfig;
import dev.keep.shim.snp.AttestationCall;
import org.junit.jupiter.api.Test;

/**
 * {@code keep.attestation_report} in a plain keep, linked and run natively ({@link UserModeKeep}
 * through {@link LinkedApps}): there is no hardware root of trust, so valid buffers get
 * {@link AttestationCall#NO_HARDWARE}; the buffer checks come first and give their own codes. The
 * app exits with 100 + the result, after checking that the output buffer was not written.
 */
class AttestationInPlainKeepTest {
    /** One page of linear memory: 65536 bytes. */
    private static final long MEMORY = 65536;

    private static int exitFor(long reportData, long out, long outLength) throws Exception {
        String wat = """
                (module
                  (import "keep" "attestation_report" (func $report (param i32 i32 i32) (result i32)))
                  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
                  (memory 1)
                  (func (export "_start") (local $r i32)
                    (i32.store (i32.const 4096) (i32.const 0x5a5a5a5a))
                    (local.set $r (call $report (i32.const %d) (i32.const %d) (i32.const %d)))
                    ;; nothing was written to the output buffer
                    (if (i32.ne (i32.load (i32.const 4096)) (i32.const 0x5a5a5a5a))
                      (then (call $exit (i32.const 1))))
                    (call $exit (i32.add (i32.const 100) (local.get $r)))))
                """.formatted((int) reportData, (int) out, (int) outLength);
        LinkedApps.Run run = LinkedApps.keep(LinkedApps.wat(wat), LaunchConfig.of("attest.wasm"));
        assertNull(run.fault(), run.err());
        return run.exit() - 100;
    }

    @Test
    void validBuffersGetNoHardwareWithoutAnyWrite() throws Exception {
        assertEquals(AttestationCall.NO_HARDWARE, exitFor(0, 4096, AttestationCall.REPORT_SIZE));
        assertEquals(AttestationCall.NO_HARDWARE,
                exitFor(MEMORY - 64, MEMORY - AttestationCall.REPORT_SIZE, AttestationCall.REPORT_SIZE));
    }

    @Test
    void reportDataOutsideMemoryIsABadPointer() throws Exception {
        assertEquals(AttestationCall.BAD_POINTER, exitFor(MEMORY - 63, 4096, AttestationCall.REPORT_SIZE));
        assertEquals(AttestationCall.BAD_POINTER, exitFor(0xFFFF_FFFFL, 4096, AttestationCall.REPORT_SIZE));
    }

    @Test
    void anOutputBufferOutsideMemoryIsABadPointer() throws Exception {
        assertEquals(AttestationCall.BAD_POINTER,
                exitFor(0, MEMORY - AttestationCall.REPORT_SIZE + 1, AttestationCall.REPORT_SIZE));
        // A length that would wrap a 32-bit sum is still outside memory.
        assertEquals(AttestationCall.BAD_POINTER, exitFor(0, 4096, 0xFFFF_F000L));
    }

    @Test
    void anOutputBufferTooSmallForAReportIsRefused() throws Exception {
        assertEquals(AttestationCall.BUFFER_TOO_SMALL, exitFor(0, 4096, AttestationCall.REPORT_SIZE - 1));
        assertEquals(AttestationCall.BUFFER_TOO_SMALL, exitFor(0, 4096, 0));
    }
}
