package dev.keep.loader.cli;

import static dev.keep.loader.cli.CliRun.keep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.wabt.Wat2Wasm;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keep.loader.SampleApps;
import dev.keep.sev.CpuidSevInfo;
import dev.keep.sev.launch.LaunchUpdate;
import dev.keep.sev.launch.LaunchUpdateOutcome;
import dev.keep.sev.launch.SnpGuestPolicy;
import dev.keep.sev.launch.SnpHost;
import dev.keep.sev.launch.SnpIdBlock;
import dev.keep.sev.launch.SnpLaunchDevice;
import dev.keep.sev.launch.SnpLaunchOptions;
import dev.keep.sev.launch.SnpLaunchRequest;
import dev.keep.sev.launch.SnpLauncher;
import dev.keep.sev.launch.SnpLaunchPlan;
import dev.keep.sev.launch.SnpMeasurement;
import dev.keep.sev.measure.LaunchDigest;
import dev.keep.sev.measure.PageAttributes;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        // The same SNP image (C-bit 51 by default) linked and planned through the library gives the same digest.
        KeepImage image = KeepLinker.linkSnp(Files.readAllBytes(hello), LaunchConfig.of("hello.wasm"), 51);
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
                KeepLinker.linkSnp(Files.readAllBytes(hello), same, 51), SnpLaunchOptions.defaults()));
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
        KeepImage image = KeepLinker.linkSnp(Files.readAllBytes(hello), LaunchConfig.of("hello.wasm", "-n", "1"), 51);
        assertEquals(HexFormat.of().formatHex(image.digest()), doc.get("imageDigest").asText());
        assertEquals(51, doc.get("cBitPosition").asInt());
        assertEquals(List.of("hello.wasm", "-n", "1"), new ObjectMapper().convertValue(doc.get("argv"), List.class));
        assertTrue(doc.get("env").isObject() && doc.get("env").isEmpty());
        assertEquals("0x1", doc.get("sevFeatures").asText());
        assertEquals(256, doc.get("memoryPages").asInt());
    }

    @Test
    void jsonCarriesTheGuestPolicyAndHostDataOfKeepTomlsSevSection() throws IOException {
        Path hello = hello();
        String hostData = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
        Path toml = Files.writeString(dir.resolve("Keep.toml"), """
                [sev]
                abi_major = 1
                abi_minor = 51
                debug = true
                host_data = "%s"
                """.formatted(hostData));
        CliRun.Result r = keep("measure", "--config", toml.toString(), "--json", hello.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        JsonNode policy = doc.get("policy");
        assertEquals("0xb0133", policy.get("hex").asText());
        assertEquals(1, policy.get("abi_major").asInt());
        assertEquals(51, policy.get("abi_minor").asInt());
        assertTrue(policy.get("debug").asBoolean());
        assertTrue(policy.get("smt").asBoolean());
        assertFalse(policy.get("single_socket").asBoolean());
        assertEquals(hostData, doc.get("hostData").asText());
        assertFalse(doc.has("idBlock"));
        // Policy and host_data are not measured: the digest is the one without a [sev] section.
        assertEquals(keep("measure", hello.toString()).out().strip(), doc.get("measurement").asText());
        // The plain output stays one hex line.
        CliRun.Result plain = keep("measure", "--config", toml.toString(), hello.toString());
        assertTrue(plain.out().matches("[0-9a-f]{96}\n"), plain.out());
    }

    @Test
    void jsonSaysWhetherKeepTomlsIdBlockVouchesForTheMeasurement() throws IOException {
        Path hello = hello();
        byte[] measurement = HexFormat.of().parseHex(keep("measure", hello.toString()).out().strip());
        Files.write(dir.resolve("id-auth.bin"), new byte[4096]);
        Path toml = Files.writeString(dir.resolve("Keep.toml"),
                "[sev]\nid_block = \"id-block.bin\"\nid_auth = \"id-auth.bin\"\n");
        for (boolean matching : new boolean[] {true, false}) {
            java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(96).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            block.put(measurement).putInt(0x50, 1).putLong(0x58, 0x30000);
            if (!matching) {
                block.put(0, (byte) (measurement[0] ^ 1));
            }
            Files.write(dir.resolve("id-block.bin"), block.array());
            CliRun.Result r = keep("measure", "--config", toml.toString(), "--json", hello.toString());
            assertEquals(0, r.exit(), r.err());
            JsonNode id = new ObjectMapper().readTree(r.out()).get("idBlock");
            assertEquals(HexFormat.of().formatHex(block.array(), 0, 48), id.get("launchDigest").asText());
            assertEquals(matching, id.get("matchesMeasurement").asBoolean());
            assertFalse(id.get("authorKey").asBoolean());
        }
    }

    @Test
    void withoutASevSectionJsonShowsTheDefaultPolicyAndZeroHostData() throws IOException {
        CliRun.Result r = keep("measure", "--json", hello().toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode doc = new ObjectMapper().readTree(r.out());
        assertEquals("0x30000", doc.get("policy").get("hex").asText());
        assertFalse(doc.get("policy").get("debug").asBoolean());
        assertEquals("0".repeat(64), doc.get("hostData").asText());
    }

    @Test
    void aPolicyKvmRefusesIsAOneLineConfigError() throws IOException {
        Path toml = Files.writeString(dir.resolve("Keep.toml"), "[sev]\nsmt = false\n");
        CliRun.Result r = keep("measure", "--config", toml.toString(), hello().toString());
        assertOneLineFailure(r, "Keep.toml:2: sev.smt: SNP guest policy must allow SMT");
    }

    @Test
    void theCBitIsPartOfTheMeasurement() throws IOException {
        Path hello = hello();
        CliRun.Result milan = keep("measure", hello.toString());
        CliRun.Result explicit = keep("measure", "--cbit", "51", hello.toString());
        CliRun.Result other = keep("measure", "--cbit", "47", hello.toString());
        assertEquals(0, other.exit(), other.err());
        assertEquals(milan.out(), explicit.out());
        assertNotEquals(milan.out(), other.out());
        byte[] expected = SnpMeasurement.of(SnpLaunchPlan.of(
                KeepLinker.linkSnp(Files.readAllBytes(hello), LaunchConfig.of("hello.wasm"), 47),
                SnpLaunchOptions.defaults()));
        assertEquals(HexFormat.of().formatHex(expected) + "\n", other.out());
    }

    @Test
    void aCBitNoKeepCanBeBuiltForIsAUsageError() throws IOException {
        CliRun.Result r = keep("measure", "--cbit", "52", hello().toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("keep: --cbit must be a C-bit position from 32 to 51, got 52"), r.err());
        assertEquals("", r.out());
    }

    /**
     * Issue 7's consistency check end to end: the launcher, given a host whose CPUID reports the
     * C-bit, builds the SNP image through the same linker; replaying the LAUNCH_UPDATE calls it issues
     * (and the VMSA KVM adds at LAUNCH_FINISH) through the digest calculator gives exactly what
     * {@code keep measure --cbit} prints for the same app, arguments and Keep.toml.
     */
    @Test
    void replayingWhatTheLauncherIssuesGivesWhatKeepMeasurePrints() throws Exception {
        Path hello = hello();
        byte[] wasm = Files.readAllBytes(hello);
        Path toml = Files.writeString(dir.resolve("Keep.toml"), "args = [\"t\"]\n[env]\nA = \"1\"\n[sev]\ndebug = true\n");
        for (int cBit : new int[] {51, 48}) {
            String printed = keep("measure", "--config", toml.toString(), "--cbit", String.valueOf(cBit),
                    hello.toString(), "x").out().strip();
            CpuidSevInfo host = new CpuidSevInfo(CpuidSevInfo.AMD_VENDOR, 0x80000021L, true, 0x1B,
                    (1 << 12) | (1 << 6) | cBit, 509, 100);
            LaunchConfig launch = LaunchConfig.of("hello.wasm", "t", "x").withEnv(Map.of("A", "1"));
            SnpLaunchRequest request = SnpLaunchRequest.forHost(SnpHost.from(host),
                    position -> KeepLinker.linkSnp(wasm, launch, position), SnpLaunchOptions.defaults(),
                    SnpGuestPolicy.fromMap(Map.of("debug", true)), java.util.Optional.empty(), null);
            List<LaunchUpdate> issued = new ArrayList<>();
            new SnpLauncher(new UpdateRecorder(issued), line -> { }).launch(request);

            LaunchDigest replay = new LaunchDigest();
            for (LaunchUpdate update : issued) {
                replay.addRegion(update.type(), update.gpa(), update.data(), update.length(), PageAttributes.NONE);
            }
            replay.addVmsaPage(request.plan().vmsa().bytes());
            assertEquals(request.plan().launchUpdates().size(), issued.size());
            assertEquals(printed, HexFormat.of().formatHex(replay.digest()), "C-bit " + cBit);
        }
    }

    /**
     * TEST DOUBLE (there is no /dev/kvm or SEV firmware here): accepts every launch call as KVM would
     * for a well-formed launch, processing each LAUNCH_UPDATE whole, and records the updates.
     */
    private record UpdateRecorder(List<LaunchUpdate> issued) implements SnpLaunchDevice {
        @Override public void createSnpVm() { }
        @Override public void sevInit2(long vmsaFeatures, int ghcbVersion) { }
        @Override public void enableHypercallExits(long hypercallMask) { }
        @Override public int createGuestMemfd(long size) {
            return 3;
        }
        @Override public void setUserMemoryRegion2(int slot, long gpa, long size, int guestMemfd, long offset) { }
        @Override public void setMemoryAttributes(long gpa, long size, long attributes) { }
        @Override public void createVcpu(int id) { }
        @Override public void snpLaunchStart(long policy) { }
        @Override public LaunchUpdateOutcome snpLaunchUpdate(LaunchUpdate update) {
            issued.add(update);
            return new LaunchUpdateOutcome.Done(update.pageCount());
        }
        @Override public void snpLaunchFinish(java.util.Optional<SnpIdBlock> idBlock, byte[] hostData) { }
        @Override public void close() { }
    }

    @Test
    void badInputIsOneLineAndExitOne() throws IOException {
        Path garbage = Files.write(dir.resolve("garbage.wasm"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Path unprovidedImport = dir.resolve("reader.wasm");
        Files.write(unprovidedImport, Wat2Wasm.parse("""
                (module
                  (import "wasi" "thread-spawn" (func (param i32) (result i32)))
                  (memory (export "memory") 1)
                  (func (export "_start")))
                """));
        assertOneLineFailure(keep("measure", garbage.toString()), "not a WebAssembly module");
        assertOneLineFailure(keep("measure", dir.resolve("missing.wasm").toString()), "no such file");
        assertOneLineFailure(keep("measure", unprovidedImport.toString()),
                "import wasi.thread-spawn is not provided");
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
        assertTrue(own.out().contains("--cbit") && own.out().contains("Default 51") && own.out().contains("Milan"),
                own.out());
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
        return SampleApps.hello(dir);
    }
}
