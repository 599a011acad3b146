package dev.keep.shim.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import dev.keep.shim.asm.Assembler;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.image.PageRole;
import dev.keep.shim.image.VirtualRegion;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Imports of the keep's own module {@code keep}: which ones link, the one-line refusals, and that
 * the routine is only in images of apps that import it.
 */
class KeepImportsTest {
    private static final String ATTESTING = """
            (module
              (import "keep" "attestation_report" (func $report (param i32 i32 i32) (result i32)))
              (memory 1)
              (func (export "_start") (drop (call $report (i32.const 0) (i32.const 64) (i32.const 1184)))))
            """;

    private static String failure(String wat) {
        byte[] wasm = Wat2Wasm.parse(wat);
        LinkException e = assertThrows(LinkException.class,
                () -> KeepLinker.link(wasm, LaunchConfig.of("x.wasm")));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    private static byte[] runtimeCode(KeepImage image) {
        VirtualRegion code = image.pageMap().region(PageRole.RUNTIME_CODE);
        return image.read(code.physicalAddress(), (int) code.size());
    }

    @Test
    void attestationReportLinksIntoPlainAndSnpImages() {
        byte[] wasm = Wat2Wasm.parse(ATTESTING);
        KeepImage plain = KeepLinker.link(wasm, LaunchConfig.of("a.wasm"));
        KeepImage snp = KeepLinker.linkSnp(wasm, LaunchConfig.of("a.wasm"), 51);
        assertTrue(plain.snp().isEmpty());
        assertTrue(snp.snp().isPresent());
        // The two routines differ (the SNP one asks ring 0), so the runtime code does too.
        assertFalse(Arrays.equals(runtimeCode(plain), runtimeCode(snp)));
    }

    @Test
    void anUnknownKeepFunctionIsAOneLineLinkError() {
        String message = failure("""
                (module
                  (import "keep" "sealing_key" (func (param i32) (result i32)))
                  (func (export "_start")))
                """);
        assertEquals("import keep.sealing_key is not provided by the keep, whose module keep has"
                + " the functions attestation_report", message);
    }

    @Test
    void aWrongSignatureIsAOneLineLinkError() {
        String message = failure("""
                (module
                  (import "keep" "attestation_report" (func (param i32 i32) (result i32)))
                  (func (export "_start")))
                """);
        assertTrue(message.startsWith("import keep.attestation_report has type"), message);
        assertTrue(message.contains("but the keep's has [I32, I32, I32] -> [I32]"), message);
    }

    @Test
    void aKeepMemoryOrGlobalImportIsRefused() {
        String message = failure("""
                (module
                  (import "keep" "attestation_report" (memory 1))
                  (func (export "_start")))
                """);
        assertTrue(message.startsWith("import keep.attestation_report (memory) is not provided"),
                message);
    }

    @Test
    void theRoutineMatchingTheKeepIsInTheImagesOfAppsThatImportIt() {
        byte[] with = Wat2Wasm.parse(ATTESTING);
        byte[] without = Wat2Wasm.parse("(module (memory 1) (func (export \"_start\")))");
        byte[] plainRoutine = routine(false);
        byte[] snpRoutine = routine(true);
        byte[] plain = runtimeCode(KeepLinker.link(with, LaunchConfig.of("x.wasm")));
        byte[] snp = runtimeCode(KeepLinker.linkSnp(with, LaunchConfig.of("x.wasm"), 51));
        byte[] neither = runtimeCode(KeepLinker.link(without, LaunchConfig.of("x.wasm")));
        assertTrue(contains(plain, plainRoutine));
        assertFalse(contains(plain, snpRoutine));
        assertTrue(contains(snp, snpRoutine));
        assertFalse(contains(snp, plainRoutine));
        assertFalse(contains(neither, plainRoutine));
        assertFalse(contains(neither, snpRoutine));
    }

    /** The routine alone (it has no absolute addresses, so its bytes are the same anywhere). */
    private static byte[] routine(boolean snp) {
        Assembler a = new Assembler(0);
        AttestationRoutine.emit(a, snp);
        return a.finish();
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
