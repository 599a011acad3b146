package dev.keep.loader.sev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.kvm.Regs;
import dev.keep.loader.KeepException;
import dev.keep.loader.SampleApps;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.cli.CliRun;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.config.KeepConfigParser;
import dev.keep.loader.config.SevConfig;
import dev.keep.loader.kvm.KeepRegisters;
import dev.keep.loader.run.HostStreams;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.wasm.AppModule;
import dev.keep.loader.wasm.AppModuleLoader;
import dev.keep.sev.CpuidSevInfo;
import dev.keep.sev.launch.LaunchUpdate;
import dev.keep.sev.launch.SnpHost;
import dev.keep.sev.launch.SnpLaunchException;
import dev.keep.sev.launch.SnpLaunchOptions;
import dev.keep.sev.launch.SnpLaunchPlan;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import dev.keep.testsupport.HostResources;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SevSnpBackend#run} up to the point where the keep would run. This machine has no /dev/sev
 * and no /dev/kvm, so the launch device is either {@link RecordingSnpVmDevice} (a TEST DOUBLE that
 * records the calls and has no VM to run afterwards) or the real one, which cannot open /dev/sev
 * here. The host's C-bit comes from a CPUID description of an SEV-SNP host (C-bit 51), because this
 * CPU has no SEV-SNP.
 */
class SevSnpBackendLaunchTest {
    private static final int C_BIT = 51;
    private static final String HOST_DATA = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    @TempDir
    Path dir;

    private Path hello;
    private SevConfig sev;
    private Path keepToml;
    private final List<String> log = new CopyOnWriteArrayList<>();

    @BeforeEach
    void prepare() throws IOException {
        hello = SampleApps.hello(dir);
        keepToml = Files.writeString(dir.resolve("Keep.toml"), """
                [sev]
                abi_major = 1
                abi_minor = 51
                host_data = "%s"
                """.formatted(HOST_DATA));
        sev = KeepConfigParser.parse(keepToml).sev();
    }

    /** An SEV-SNP host as CPUID 0x8000001F describes it: SEV, SEV-ES and SEV-SNP, the C-bit at 51. */
    private static SnpHost snpHost() throws SnpLaunchException {
        return SnpHost.from(new CpuidSevInfo(CpuidSevInfo.AMD_VENDOR, 0x80000021L, true, 0x1A, C_BIT | 1 << 6, 509, 1));
    }

    private SevSnpBackend backend(SnpVmDevice.Opener devices) {
        return new SevSnpBackend(() -> Availability.available("as if this host had SEV-SNP"), sev, log::add,
                SevSnpBackendLaunchTest::snpHost, devices);
    }

    private KeepLaunch launch(FileEntry... extra) {
        List<FileEntry> files = new ArrayList<>(FileEntry.STANDARD_STREAMS);
        files.addAll(List.of(extra));
        AppModule app = AppModuleLoader.load(hello);
        return new KeepLaunch(app, List.of(app.programName()), Map.of("K", "v"), files,
                new HostStreams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(),
                        new ByteArrayOutputStream(), false));
    }

    @Test
    void launchesTheLinkedAppInTheDocumentedOrderWithTheRegistersLoadedBeforeLaunchFinish() throws Exception {
        List<RecordingSnpVmDevice> opened = new ArrayList<>();
        KeepException ended = assertThrows(KeepException.class, () -> backend(setup -> {
            RecordingSnpVmDevice device = new RecordingSnpVmDevice(setup);
            opened.add(device);
            return device;
        }).run(launch()));

        // The launch finished; only running it is beyond the test double, and that is one line.
        assertEquals("backend sev-snp: " + RecordingSnpVmDevice.NOTHING_TO_RUN, ended.getMessage());
        assertEquals(1, opened.size());
        RecordingSnpVmDevice device = opened.getFirst();
        assertTrue(device.closed, "the launch device was not closed");

        // The same image keep measure links: argv[0] and the environment are part of it.
        AppModule app = AppModuleLoader.load(hello);
        KeepImage image = KeepLinker.linkSnp(app.bytes(), new LaunchConfig(app.programName(), List.of(),
                new LinkedHashMap<>(Map.of("K", "v")), LaunchConfig.DEFAULT_MEMORY_PAGES), C_BIT);
        List<String> expected = new ArrayList<>(List.of("KVM_CREATE_VM", "KVM_SEV_INIT2", "KVM_ENABLE_CAP",
                "KVM_CREATE_GUEST_MEMFD", "KVM_SET_USER_MEMORY_REGION2", "KVM_SET_MEMORY_ATTRIBUTES",
                "KVM_CREATE_VCPU", "KVM_SET_CPUID2", "KVM_GET_SREGS", "KVM_SET_SREGS", "KVM_SET_REGS",
                "KVM_SET_XCRS", "SNP_LAUNCH_START", "SNP_LAUNCH_UPDATE", "SNP_LAUNCH_FINISH"));
        assertEquals(expected, withoutRepeats(device.calls.stream().map(c -> c.substring(0, c.indexOf('['))).toList()),
                device.calls.toString());

        // Keep.toml's [sev]: policy 0x30000 with ABI 1.51 to LAUNCH_START, host_data to LAUNCH_FINISH.
        assertTrue(device.calls.contains("SNP_LAUNCH_START[0x30133]"), device.calls.toString());
        assertEquals("SNP_LAUNCH_FINISH[false, " + HOST_DATA + "]", device.calls.getLast());
        List<String> updates = device.calls.stream().filter(c -> c.startsWith("SNP_LAUNCH_UPDATE[")).toList();
        List<String> planned = new ArrayList<>();
        for (LaunchUpdate u : SnpLaunchPlan.of(image, SnpLaunchOptions.defaults()).launchUpdates()) {
            planned.add("SNP_LAUNCH_UPDATE[" + u.gpa() + ", " + u.length() + ", " + u.type() + "]");
        }
        assertEquals(planned, updates);

        // vCPU 0 got the keep's entry state: the CPUID table, CR3 with the C-bit, RIP.
        assertEquals(KeepRegisters.cpuid(image.entryState()), device.cpuid);
        assertNotNull(device.sregs);
        assertEquals(image.entryState().cr3(), device.sregs.cr3());
        assertEquals(1, device.sregs.cr3() >>> C_BIT & 1, "CR3 lacks the C-bit");
        assertEquals(image.entryState().rip(), device.regs.get(Regs.Reg.RIP));
        assertEquals(KeepRegisters.xcrs(image.entryState()), device.xcrs);

        // The measurement the launcher reports is the one keep measure predicts for this app and C-bit.
        String reported = log.stream().filter(l -> l.startsWith("sev-snp: launched, MEASUREMENT ")).findFirst()
                .orElseThrow(() -> new AssertionError("no measurement in " + log))
                .substring("sev-snp: launched, MEASUREMENT ".length());
        CliRun.Result measure = CliRun.keep("measure", "--cbit", String.valueOf(C_BIT), "--config",
                keepToml.toString(), "--env", "K=v", hello.toString());
        assertEquals(0, measure.exit(), measure.err());
        assertEquals(measure.out().strip(), reported);
        assertTrue(log.contains("sev-snp: C-bit at position 51"), log.toString());
    }

    @Test
    void whenTheLaunchDeviceCannotOpenKeepTomlsSocketsAndDirectoriesAreClosedAgain() throws IOException {
        int port = HostResources.freeLoopbackPort();
        Path data = Files.createDirectory(dir.resolve("data"));
        KeepLaunch launch = launch(new FileEntry.Dir(Optional.empty(), data, "/data", false),
                new FileEntry.Listen(Optional.empty(), "127.0.0.1", port));
        SevSnpBackend backend = backend(KvmSnpVmDevice::open);
        // Once first, so that what any first run opens for good (jars, native libraries) is open already.
        refusal(backend, launch);

        Map<Integer, String> before = HostResources.openFds();
        String line = refusal(backend, launch);
        Map<Integer, String> after = HostResources.openFds();

        assertTrue(line.startsWith("backend sev-snp: "), line);
        if (!Files.exists(Path.of("/dev/sev"))) {
            assertTrue(line.startsWith("backend sev-snp: an SEV-SNP launch needs /dev/sev: "), line);
        }
        assertFalse(line.contains("\n"), line);
        assertEquals(before, after, "descriptors left open or closed by the run");
        HostResources.assertPortFree(port);
        assertFalse(after.values().stream().anyMatch(target -> target.startsWith(data.toString())),
                "the preopened directory is still open: " + after);
    }

    @Test
    void afterALaunchThatCannotRunTheFilesAreClosedToo() throws IOException {
        int port = HostResources.freeLoopbackPort();
        Path data = Files.createDirectory(dir.resolve("data"));
        KeepLaunch launch = launch(new FileEntry.Dir(Optional.empty(), data, "/data", false),
                new FileEntry.Listen(Optional.empty(), "127.0.0.1", port));
        SevSnpBackend backend = backend(RecordingSnpVmDevice::new);
        refusal(backend, launch);

        Map<Integer, String> before = HostResources.openFds();
        String line = refusal(backend, launch);
        Map<Integer, String> after = HostResources.openFds();

        assertEquals("backend sev-snp: " + RecordingSnpVmDevice.NOTHING_TO_RUN, line);
        assertEquals(before, after, "descriptors left open or closed by the run");
        HostResources.assertPortFree(port);
    }

    @Test
    void aFirmwareErrorIsOneLineAndClosesTheDeviceAndTheFiles() throws IOException {
        int port = HostResources.freeLoopbackPort();
        KeepLaunch launch = launch(new FileEntry.Listen(Optional.empty(), "127.0.0.1", port));
        List<RecordingSnpVmDevice> opened = new ArrayList<>();
        SevSnpBackend backend = backend(setup -> {
            RecordingSnpVmDevice device = new RecordingSnpVmDevice(setup).failing("SNP_LAUNCH_START",
                    new SnpLaunchException("SNP_LAUNCH_START(policy 0x30133)", 5, "Input/output error", 0x16));
            opened.add(device);
            return device;
        });

        String line = refusal(backend, launch);

        assertEquals("backend sev-snp: SNP_LAUNCH_START(policy 0x30133) failed: Input/output error (errno 5),"
                + " firmware error 0x16 INVALID_PARAM", line);
        assertTrue(opened.getFirst().closed, "the launch device was not closed");
        assertTrue(opened.getFirst().calls.stream().noneMatch(c -> c.startsWith("SNP_LAUNCH_UPDATE")),
                opened.getFirst().calls.toString());
        HostResources.assertPortFree(port);
    }

    @Test
    void anIdBlockForAnotherMeasurementIsOneLineBeforeAnyDeviceOpens() throws IOException {
        byte[] block = new byte[96];
        block[0x58] = 0x33;                         // policy 0x30133, little-endian at 0x58
        block[0x59] = 0x01;
        block[0x5A] = 0x03;
        Files.write(dir.resolve("id-block.bin"), block);
        Files.write(dir.resolve("id-auth.bin"), new byte[4096]);
        Files.writeString(keepToml, """
                id_block = "id-block.bin"
                id_auth = "id-auth.bin"
                """, java.nio.file.StandardOpenOption.APPEND);
        sev = KeepConfigParser.parse(keepToml).sev();
        List<RecordingSnpVmDevice> opened = new ArrayList<>();

        KeepException refused = assertThrows(KeepException.class, () -> backend(setup -> {
            RecordingSnpVmDevice device = new RecordingSnpVmDevice(setup);
            opened.add(device);
            return device;
        }).run(launch()));

        assertTrue(refused.getMessage().startsWith("backend sev-snp: the ID block vouches for launch digest 0000"),
                refused.getMessage());
        assertFalse(refused.getMessage().contains("\n"));
        assertTrue(opened.isEmpty(), "a device was opened for a launch the request refused");
    }

    private static List<String> withoutRepeats(List<String> names) {
        List<String> result = new ArrayList<>();
        for (String name : names) {
            if (result.isEmpty() || !result.getLast().equals(name)) {
                result.add(name);
            }
        }
        return result;
    }

    /** The message of the one-line error the run ended with. */
    private static String refusal(SevSnpBackend backend, KeepLaunch launch) {
        return assertThrows(KeepException.class, () -> backend.run(launch)).getMessage();
    }
}
