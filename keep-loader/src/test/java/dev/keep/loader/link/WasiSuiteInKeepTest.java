package dev.keep.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.backend.BackendSelector;
import dev.keep.loader.run.KeepRunner;
import dev.keep.loader.wasi.suite.DefaultSuiteDirs;
import dev.keep.loader.wasi.suite.ExpectedFailures;
import dev.keep.loader.wasi.suite.SuiteDirectory;
import dev.keep.loader.wasi.suite.SuiteSummary;
import dev.keep.loader.wasi.suite.TestOutcome;
import dev.keep.loader.wasi.suite.WasiSuiteRunner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The official WASI test suite (C, Rust and AssemblyScript wasm32-wasip1 programs) through the
 * compiled keep: each program is compiled and linked into a keep image with the test's args and
 * environment baked in, and its ring-3 code runs natively ({@link NativeKeepBackend}) with the
 * real dispatcher and WASI handler over a copy of the test's root and its stdin. The suite
 * runner's own parsing, execution and judging decide each test, exactly as for
 * {@code keep wasi-suite}; failures the keep cannot fix here are listed, with the WASI rule and
 * the reason, in {@value #EXPECTED}.
 */
class WasiSuiteInKeepTest {
    private static final String EXPECTED = "native-keep-expected-failures.toml";
    /** One run: generous, since the whole suite takes about 20 s here; a hung program fails its test. */
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @Test
    void theWasiSuitePassesInTheKeep() throws IOException {
        Path tests = LinkedApps.projectRoot().resolve(DefaultSuiteDirs.SUITE).resolve("tests").normalize();
        List<SuiteDirectory> dirs = List.of("c", "rust", "assemblyscript").stream()
                .map(language -> SuiteDirectory.of(tests.resolve(language).resolve("testsuite/wasm32-wasip1")))
                .toList();
        for (SuiteDirectory dir : dirs) {
            assertFalse(dir.tests().isEmpty(), () -> dir.dir() + " has no tests");
        }
        KeepRunner runner = new KeepRunner(new BackendSelector(List.of(new NativeKeepBackend())), line -> { });
        WasiSuiteRunner suite = new WasiSuiteRunner(runner, "kvm", expectedFailures(), LIMIT, id -> true,
                System.out::println);
        SuiteSummary summary = suite.run(dirs);
        System.out.println(summary.line());
        List<String> failed = summary.outcomes().stream()
                .filter(o -> o.kind() == TestOutcome.Kind.FAILED).map(TestOutcome::line).toList();
        assertTrue(summary.asExpected(), () -> summary.line() + "\n" + String.join("\n", failed));
        assertEquals(dirs.stream().mapToLong(d -> d.tests().size()).sum(),
                summary.count(TestOutcome.Kind.PASSED) + summary.count(TestOutcome.Kind.EXPECTED_FAILURE),
                "every test of the suite ran");
    }

    private static ExpectedFailures expectedFailures() throws IOException {
        try (InputStream in = WasiSuiteInKeepTest.class.getResourceAsStream(EXPECTED)) {
            if (in == null) {
                throw new IllegalStateException("no test resource " + EXPECTED);
            }
            return ExpectedFailures.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), EXPECTED);
        }
    }
}
