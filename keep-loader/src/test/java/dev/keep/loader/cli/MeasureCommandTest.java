package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keep.sev.launch.SnpLaunchOptions;
import dev.keep.sev.launch.SnpLaunchPlan;
import dev.keep.sev.launch.SnpMeasurement;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keep measure}: the SEV-SNP launch measurement of an app, through the real command line. */
class MeasureCommandTest {
    @TempDir
    Path dir;

    @Test
    void helloPrintsTheLaunchDigestOfItsLinkedImageAsHex() throws IOException {
        Path hello = hello();
        CliRun.Result r = keep("measure", hello.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.err());
        assertTrue(r.out().matches("[0-9a-f]{96}\n"), r.out());
        // The same image linked and planned through the library gives the same digest.
        KeepImage image = KeepLinker.link(Files.readAllBytes(hello), LaunchConfig.of("hello.wasm"));
        byte[] expected = SnpMeasurement.of(SnpLaunchPlan.of(image, SnpLaunchOptions.defaults()));
        assertEquals(HexFormat.of().formatHex(expected) + "\n", r.out());
    }

    @Test
    void measuringTwiceGivesTheSameDigest() throws IOException {
        Path hello = hello();
        CliRun.Result first = keep("measure", hello.toString(), "a");
        CliRun.Result second = keep("measure", hello.toString(), "a");
        assertEquals(0, first.exit(), first.err());
        assertEquals(first.out(), second.out());
    }

    @Test
    void argumentsEnvironmentAndFileNameChangeTheDigest() throws IOException {
        Path hello = hello();
        Path renamed = Files.copy(hello, dir.resolve("greeter.wasm"));
        String plain = keep("measure", hello.toString()).out();
        String withArg = keep("measure", hello.toString(), "x").out();
        String otherArg = keep("measure", hello.toString(), "y").out();
        String withEnv = keep("measure", "--env", "A=1", hello.toString()).out();
        String otherName = keep("measure", renamed.toString()).out();
        assertEquals(5, List.of(plain, withArg, otherArg, withEnv, otherName).stream().distinct().count());
    }

    @Test
    void keepTomlArgsAndEnvMergeWithTheCommandLineAsForRun() throws IOException {
        Path hello = hello();
        Path toml = dir.resolve("Keep.toml");
        Files.writeString(toml, """
                args = ["from-toml"]
                [env]
                A = "toml"
                B = "toml"
                """);
        CliRun.Result r = keep("measure", "--config", toml.toString(), "--env", "B=cli", "--json",
                hello.toString(), "from-cli");
        assertEquals(0, r.exit(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(List.of("hello.wasm", "from-toml", "from-cli"),
                new ObjectMapper().convertValue(doc.get("argv"), List.class));
        assertEquals(Map.of("A", "toml", "B", "cli"), new ObjectMapper().convertValue(doc.get("env"), Map.class));
        LaunchConfig same = LaunchConfig.of("hello.wasm", "from-toml", "from-cli")
                .withEnv(new java.util.LinkedHashMap<>(Map.of("A", "toml"))).withEnv(Map.of("B", "cli"));
        byte[] expected = SnpMeasurement.of(SnpLaunchPlan.of(
                KeepLinker.link(Files.readAllBytes(hello), same), SnpLaunchOptions.defaults()));
        assertEquals(HexFormat.of().formatHex(expected), doc.get("measurement").asText());
    }

    @Test
    void jsonCarriesMeasurementPageCountsImageDigestArgvAndEnv() throws IOException {
        Path hello = hello();
        String hex = keep("measure", hello.toString(), "--", "-n", "1").out().strip();
        CliRun.Result r = keep("measure", "--json", hello.toString(), "--", "-n", "1");
        assertEquals(0, r.exit(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals(hex, doc.get("measurement").asText());
        JsonNode pages = doc.get("pages");
        assertEquals(1, pages.get("VMSA").asInt());
        assertEquals(1, pages.get("SECRETS").asInt());
        assertEquals(1, pages.get("CPUID").asInt());
        assertEquals(0, pages.get("UNMEASURED").asInt());
        assertTrue(pages.get("NORMAL").asInt() > 0);
        // 16 MiB of linear memory and the 8 MiB stack start zeroed.
        assertTrue(pages.get("ZERO").asInt() > 4096, pages.toString());
        KeepImage image = KeepLinker.link(Files.readAllBytes(hello), LaunchConfig.of("hello.wasm", "-n", "1"));
        assertEquals(HexFormat.of().formatHex(image.digest()), doc.get("imageDigest").asText());
        assertEquals(List.of("hello.wasm", "-n", "1"), new ObjectMapper().convertValue(doc.get("argv"), List.class));
        assertTrue(doc.get("env").isObject() && doc.get("env").isEmpty());
        assertEquals("0x1", doc.get("sevFeatures").asText());
        assertEquals(256, doc.get("memoryPages").asInt());
    }

    @Test
    void badInputIsOneLineAndExitOne() throws IOException {
        Path garbage = Files.write(dir.resolve("garbage.wasm"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Path fdRead = dir.resolve("reader.wasm");
        Files.write(fdRead, Wat2Wasm.parse("""
                (module
                  (import "wasi_snapshot_preview1" "fd_read" (func (param i32 i32 i32 i32) (result i32)))
                  (memory (export "memory") 1)
                  (func (export "_start")))
                """));
        assertOneLineFailure(keep("measure", garbage.toString()), "not a WebAssembly module");
        assertOneLineFailure(keep("measure", dir.resolve("missing.wasm").toString()), "no such file");
        assertOneLineFailure(keep("measure", fdRead.toString()),
                "import wasi_snapshot_preview1.fd_read is not provided");
    }

    @Test
    void malformedEnvIsAUsageError() throws IOException {
        CliRun.Result r = keep("measure", "--env", "NOVALUE", hello().toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("keep: --env expects KEY=VALUE"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void isListedByKeepHelpAndHasItsOwnHelp() {
        CliRun.Result top = keep("--help");
        assertTrue(top.out().contains("measure"), top.out());
        CliRun.Result own = keep("measure", "--help");
        assertEquals(0, own.exit(), own.err());
        assertTrue(own.out().contains("APP.wasm") && own.out().contains("--json"), own.out());
    }

    private static void assertOneLineFailure(CliRun.Result r, String expected) {
        assertEquals(1, r.exit(), r.out() + r.err());
        assertEquals("", r.out());
        assertFalse(r.hasStackTrace(), r.err());
        assertTrue(r.err().startsWith("keep: ") && r.err().endsWith("\n"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(expected), r.err());
    }

    /** samples/hello assembled into this test's folder as hello.wasm. */
    private Path hello() throws IOException {
        Path wat = Path.of(System.getProperty("keep.projectRoot")).resolve("samples/hello/hello.wat");
        return Files.write(dir.resolve("hello.wasm"), Wat2Wasm.parse(wat.toFile()));
    }
}
