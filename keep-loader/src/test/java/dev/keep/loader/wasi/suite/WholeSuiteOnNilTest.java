package dev.keep.loader.wasi.suite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.cli.CliRun;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The whole suite (C, Rust and AssemblyScript wasm32-wasip1 programs) on the nil backend, through
 * {@code keep wasi-suite} with its default directories: one line per program, nothing failing that
 * the nil list does not explain, and the shared suite left as it was.
 */
class WholeSuiteOnNilTest {
    private static final Path SUITE = Path.of(System.getProperty("keep.projectRoot")).resolve("../shared/testdata/wasi-testsuite");
    private static final Pattern LINE = Pattern.compile("(PASS|XFAIL|FAIL) (\\S+)(: .*)?");

    @Test
    void everyTestPassesOrFailsExactlyAsTheNilListSays() {
        TreeMap<String, String> before = snapshot(SUITE);
        List<String> programs = programIds();

        CliRun.Result run = CliRun.keep("wasi-suite", "--backend", "nil");

        assertEquals(0, run.exit(), run.out() + run.err());
        assertEquals("", run.err(), "nothing on stderr without -v");
        assertFalse(run.hasStackTrace());
        List<String> lines = run.out().lines().toList();
        List<String> testLines = lines.subList(0, lines.size() - 1);
        List<String> ids = new ArrayList<>();
        List<String> expectedFailures = new ArrayList<>();
        for (String line : testLines) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), "not a result line: " + line);
            assertFalse(m.group(1).equals("FAIL"), line);
            ids.add(m.group(2));
            if (m.group(1).equals("XFAIL")) {
                expectedFailures.add(m.group(2));
                assertTrue(line.contains("[expected: "), "an expected failure carries its reason: " + line);
            }
        }
        assertEquals(programs, ids, "one line per .wasm, in directory then name order");

        Set<String> listed = ExpectedFailures.forBackend("nil").entries().stream().map(ExpectedFailure::test)
                .collect(Collectors.toSet());
        assertEquals(listed, Set.copyOf(expectedFailures));
        // The nil backend serves WASI with Keep's own host: the whole suite passes, as on kvm.
        assertEquals(Set.of(), listed, "nil-expected-failures.toml lists no failure");
        assertEquals(programs.size() + " passed, 0 failed", lines.getLast());

        assertTrue(testLines.contains("PASS assemblyscript/testsuite/wasm32-wasip1/args_get-multiple-arguments"));
        assertTrue(testLines.contains("PASS assemblyscript/testsuite/wasm32-wasip1/environ_get-multiple-variables"));
        assertTrue(testLines.contains("PASS assemblyscript/testsuite/wasm32-wasip1/proc_exit-failure"));
        assertTrue(testLines.contains("PASS c/testsuite/wasm32-wasip1/pwrite-with-access"), "root is preopened writable");
        assertTrue(testLines.contains("PASS rust/testsuite/wasm32-wasip1/path_open_preopen"), "root is preopened at /");

        assertEquals(before, snapshot(SUITE), "the shared suite must not change");
    }

    /** The ids the runner should print, computed from the files: c, rust, assemblyscript, then by name. */
    private static List<String> programIds() {
        List<String> ids = new ArrayList<>();
        for (String language : List.of("c", "rust", "assemblyscript")) {
            Path dir = SUITE.resolve("tests").resolve(language).resolve("testsuite/wasm32-wasip1");
            try (Stream<Path> files = Files.list(dir)) {
                files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".wasm")).sorted()
                        .forEach(n -> ids.add(language + "/testsuite/wasm32-wasip1/" + n.substring(0, n.length() - 5)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ids;
    }

    /** Every path under {@code root} with its size and modification time. */
    private static TreeMap<String, String> snapshot(Path root) {
        TreeMap<String, String> entries = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                entries.put(root.relativize(p).toString(),
                        Files.size(p) + "@" + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }
}
