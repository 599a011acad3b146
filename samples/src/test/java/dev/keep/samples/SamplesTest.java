package dev.keep.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.loader.cli.KeepCli;
import dev.keep.loader.run.HostStreams;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Runs each sample through the {@code keep} command line, with its own Keep.toml, and checks output
 * and exit status. The .wasm files are the ones the build assembled from the .wat sources.
 */
class SamplesTest {
    /** The samples folder: the module's directory, where surefire runs. */
    private static final Path SAMPLES = Path.of("").toAbsolutePath();

    private record Result(int exit, String out, String err) {}

    private static Result keep(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        HostStreams streams = new HostStreams(
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err, false);
        int exit = KeepCli.create(streams).execute(args);
        return new Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String sample(String name, String file) {
        Path path = SAMPLES.resolve(name).resolve(file);
        assertTrue(Files.isRegularFile(path), path + " should exist (assembled by the build)");
        return path.toString();
    }

    @Test
    void helloGreets() {
        Result r = keep("", "run", "--config", sample("hello", "Keep.toml"), sample("hello", "hello.wasm"));
        assertEquals(new Result(0, "Hello from a keep!\n", ""), r);
    }

    @Test
    void helloRunsWithoutAConfigToo() {
        assertEquals(new Result(0, "Hello from a keep!\n", ""), keep("", "run", sample("hello", "hello.wasm")));
    }

    @Test
    void fibComputesFromItsArgument() {
        String fib = sample("fib", "fib.wasm");
        String config = sample("fib", "Keep.toml");
        assertEquals(new Result(0, "0\n", ""), keep("", "run", "--config", config, fib, "0"));
        assertEquals(new Result(0, "1\n", ""), keep("", "run", "--config", config, fib, "1"));
        assertEquals(new Result(0, "55\n", ""), keep("", "run", "--config", config, fib, "10"));
        assertEquals(new Result(0, "12586269025\n", ""), keep("", "run", "--config", config, fib, "50"));
        // The largest Fibonacci number below 2^64.
        assertEquals(new Result(0, "12200160415121876738\n", ""), keep("", "run", "--config", config, fib, "93"));
    }

    @Test
    void fibRejectsBadArguments() {
        String fib = sample("fib", "fib.wasm");
        assertEquals(new Result(2, "", "usage: fib N   (0 <= N <= 93)\n"), keep("", "run", fib));
        for (String bad : new String[] {"94", "-1", "ten", "", "1e3", "99999999999999999999"}) {
            assertEquals(new Result(2, "", "fib: N must be a whole number from 0 to 93\n"), keep("", "run", fib, bad), bad);
        }
    }

    @Test
    void catCopiesStandardInput() {
        String text = "line one\nline two\n" + "x".repeat(100_000) + "\n";
        assertEquals(new Result(0, text, ""), keep(text, "run", sample("cat", "cat.wasm")));
    }

    @Test
    void catReadsAFileFromItsPreopenedDirectory() throws Exception {
        String expected = Files.readString(SAMPLES.resolve("cat/data/notes.txt"));
        Result r = keep("", "run", "--config", sample("cat", "Keep.toml"), sample("cat", "cat.wasm"), "/data/notes.txt");
        assertEquals(new Result(0, expected, ""), r);
    }

    @Test
    void catReportsFilesItCannotReach() {
        String cat = sample("cat", "cat.wasm");
        String config = sample("cat", "Keep.toml");
        assertEquals(new Result(1, "", "cat: cannot open /data/missing.txt\n"),
                keep("", "run", "--config", config, cat, "/data/missing.txt"));
        assertEquals(new Result(1, "", "cat: no preopened directory holds /etc/passwd\n"),
                keep("", "run", "--config", config, cat, "/etc/passwd"));
        assertEquals(new Result(1, "", "cat: cannot open /data/../../../etc/passwd\n"),
                keep("", "run", "--config", config, cat, "/data/../../../etc/passwd"));
        assertEquals(new Result(2, "", "usage: cat [FILE]\n"), keep("", "run", cat, "a", "b"));
    }

    @Test
    void everySampleHasSourceConfigAndAssembledModule() throws Exception {
        for (Path wat : SampleAssembler.findSources(SAMPLES)) {
            Path dir = wat.getParent();
            String name = dir.getFileName().toString();
            assertTrue(Files.isRegularFile(dir.resolve("Keep.toml")), name + " needs a Keep.toml");
            assertTrue(Files.isRegularFile(dir.resolve(name + ".wasm")), name + ".wasm should be assembled");
        }
        assertEquals(3, SampleAssembler.findSources(SAMPLES).size());
    }
}
