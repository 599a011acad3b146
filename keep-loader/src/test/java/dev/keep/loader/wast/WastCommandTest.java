package dev.keep.loader.wast;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keep wast} through the real command line, on spec files and on scripts written here. */
class WastCommandTest {
    private static final Path SPEC = Path.of(System.getProperty("keep.projectRoot")).resolve("../shared/testdata/wasm-spec");
    private static final Pattern FILE_LINE = Pattern.compile("(?m)^(\\S+\\.wast): (\\d+) passed, (\\d+) failed");
    private static final Pattern TOTAL = Pattern.compile("(?m)^(\\d+) passed, (\\d+) failed(, (\\d+) skipped)?$");

    @TempDir
    Path dir;

    @Test
    void specFilesPassCompletelyOnNil() {
        List<String> names = List.of("i32.wast", "float_exprs.wast", "br_table.wast", "memory_trap.wast", "linking.wast",
                "call_indirect.wast");
        String[] args = new String[names.size() + 1];
        args[0] = "wast";
        for (int i = 0; i < names.size(); i++) {
            args[i + 1] = SPEC.resolve(names.get(i)).toString();
        }
        CliRun.Result run = CliRun.keep(args);
        assertEquals(0, run.exit(), run.out() + run.err());
        assertEquals("", run.err());
        Matcher file = FILE_LINE.matcher(run.out());
        int files = 0;
        int passedSum = 0;
        while (file.find()) {
            assertEquals(names.get(files), file.group(1));
            assertEquals("0", file.group(3), run.out());
            int passed = Integer.parseInt(file.group(2));
            assertTrue(passed > 20, file.group());
            passedSum += passed;
            files++;
        }
        assertEquals(names.size(), files, run.out());
        Matcher total = TOTAL.matcher(run.out());
        assertTrue(total.find(), run.out());
        assertEquals(passedSum, Integer.parseInt(total.group(1)));
        assertEquals("0", total.group(2));
        assertTrue(run.out().strip().endsWith(total.group()), "the total is the last line: " + run.out());
    }

    /**
     * Chicory's f64.min / f64.max return a signalling NaN operand unchanged, where the spec wants an
     * arithmetic (quiet) NaN: those commands, and only those, fail. This shows nan:arithmetic is checked.
     */
    @Test
    void f64FailsOnlyWhereChicoryReturnsASignallingNanFromMinOrMax() {
        CliRun.Result run = CliRun.keep("wast", SPEC.resolve("f64.wast").toString());
        assertEquals(1, run.exit(), run.err());
        Matcher file = FILE_LINE.matcher(run.out());
        assertTrue(file.find(), run.out());
        int failed = Integer.parseInt(file.group(3));
        assertTrue(failed > 0 && Integer.parseInt(file.group(2)) > 2000, run.out());
        List<String> listed = run.out().lines().filter(l -> l.startsWith("  FAIL ")).toList();
        assertFalse(listed.isEmpty());
        for (String line : listed) {
            assertTrue(line.matches("  FAIL f64\\.wast:\\d+: assert_return (min|max)\\(.*expected f64 nan:arithmetic, got f64 \\d+ \\(NaN\\)"),
                    line);
            long bits = Long.parseUnsignedLong(line.replaceAll(".* got f64 (\\d+) .*", "$1"));
            assertEquals(0, bits & 0x0008_0000_0000_0000L, "a signalling NaN came back: " + line);
        }
    }

    @Test
    void aWrongExpectationIsOneNamedFailureAndExitOne() throws IOException {
        Path wast = dir.resolve("wrong.wast");
        Files.writeString(wast, """
                (module
                  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
                  (func (export "trap") (result i32) (unreachable)))
                (assert_return (invoke "add" (i32.const 2) (i32.const 2)) (i32.const 4))
                (assert_return (invoke "add" (i32.const 2) (i32.const 2)) (i32.const 5))
                (assert_trap (invoke "trap") "unreachable")
                (assert_return (invoke "add" (i32.const -1) (i32.const 1)) (i32.const 0))
                """);
        CliRun.Result run = CliRun.keep("wast", wast.toString());
        assertEquals(1, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("wrong.wast: 4 passed, 1 failed"), run.out());
        assertTrue(run.out().contains("FAIL wrong.wast:5: assert_return add(i32:2, i32:2): result 0: expected i32 5, got i32 4"),
                run.out());
        assertTrue(run.out().strip().endsWith("4 passed, 1 failed"), run.out());
    }

    @Test
    void nanExpectationsAndTextFormatRejectionsAreHandled() throws IOException {
        Path wast = dir.resolve("nan.wast");
        Files.writeString(wast, """
                (module
                  (func (export "div") (param f32 f32) (result f32) (f32.div (local.get 0) (local.get 1)))
                  (func (export "neg") (param f64) (result f64) (f64.neg (local.get 0))))
                (assert_return (invoke "div" (f32.const 0) (f32.const 0)) (f32.const nan:canonical))
                (assert_return (invoke "neg" (f64.const nan:0x4)) (f64.const -nan:0x4))
                (assert_return (invoke "neg" (f64.const nan:0x8000000000001)) (f64.const nan:arithmetic))
                (assert_malformed (module quote "(func (i32.const 1) (i32.whatever))") "unknown operator")
                (assert_malformed (module binary "\\00asm\\02\\00\\00\\00") "unknown binary version")
                (assert_invalid (module (func (result i32) (f32.const 0))) "type mismatch")
                """);
        CliRun.Result run = CliRun.keep("wast", wast.toString());
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("nan.wast: 6 passed, 0 failed, 1 not applicable (text-format modules)"), run.out());
    }

    @Test
    void aMalformedScriptIsOneLineErrorAndExitOne() throws IOException {
        Path wast = dir.resolve("broken.wast");
        Files.writeString(wast, "(module (func (export \"f\") (result i32) (i32.const 1))\n(assert_return (invoke \"f\"\n");
        CliRun.Result run = CliRun.keep("wast", wast.toString());
        assertEquals(1, run.exit(), run.out() + run.err());
        assertTrue(run.err().startsWith("keep: " + wast + ": not a valid .wast script: "), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertFalse(run.hasStackTrace(), run.err());
    }

    @Test
    void aMissingFileIsOneLineErrorAndExitOne() {
        Path missing = dir.resolve("absent.wast");
        CliRun.Result run = CliRun.keep("wast", missing.toString());
        assertEquals(1, run.exit());
        assertEquals("keep: " + missing + ": no such file", run.err().strip());
    }

    @Test
    void theKvmBackendIsReportedUnavailableWithKeepRunsWords() throws IOException {
        Path wast = dir.resolve("any.wast");
        Files.writeString(wast, "(module)\n");
        CliRun.Result wastRun = CliRun.keep("wast", "--backend", "kvm", wast.toString());
        assertEquals(1, wastRun.exit(), wastRun.out() + wastRun.err());
        assertEquals("", wastRun.out());
        assertEquals(1, wastRun.err().strip().lines().count(), wastRun.err());
        assertTrue(wastRun.err().startsWith("keep: backend kvm is unavailable: "), wastRun.err());

        Path app = CliRun.app(dir, "exit-code");
        CliRun.Result keepRun = CliRun.keep("run", "--backend", "kvm", app.toString());
        assertEquals(1, keepRun.exit());
        assertEquals(keepRun.err(), wastRun.err(), "the same availability text as keep run");
    }

    @Test
    void keepHelpListsWastAndItsHelpNamesTheBackends() {
        assertTrue(CliRun.keep("--help").out().contains("wast"));
        CliRun.Result help = CliRun.keep("wast", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--backend=nil|kvm"), help.out());
    }

    @Test
    void spectestPrintsAreShownWithVerbose() throws IOException {
        Path wast = dir.resolve("print.wast");
        Files.writeString(wast, """
                (module (import "spectest" "print_f64_f64" (func $p (param f64 f64)))
                  (func (export "go") (call $p (f64.const 1.5) (f64.const -2))))
                (invoke "go")
                """);
        CliRun.Result quiet = CliRun.keep("wast", wast.toString());
        assertEquals(0, quiet.exit(), quiet.out() + quiet.err());
        assertEquals("", quiet.err());
        CliRun.Result verbose = CliRun.keep("wast", "-v", wast.toString());
        assertTrue(verbose.err().contains("keep: spectest print_f64_f64: 1.5 -2.0"), verbose.err());
        assertTrue(verbose.out().contains("print.wast: 2 passed, 0 failed"), verbose.out());
    }

    @Test
    void anUnknownBackendIsAUsageError() throws IOException {
        Path wast = dir.resolve("any.wast");
        Files.writeString(wast, "(module)\n");
        CliRun.Result run = CliRun.keep("wast", "--backend", "sev-snp", wast.toString());
        assertEquals(2, run.exit());
        assertTrue(run.err().startsWith("keep: unknown backend 'sev-snp': expected one of nil, kvm"), run.err());
    }
}
