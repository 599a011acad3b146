package dev.keep.sev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe against host trees built in a temporary directory with real-format contents. */
class SevProbeTest {

    @TempDir
    Path root;

    private SevPlatformReport probe(CpuidSource cpuid) {
        return new SevProbe(cpuid, PlatformFiles.rootedAt(root)).probe();
    }

    private void snpHostFiles() throws IOException {
        FakeHost.write(root, "/proc/cpuinfo", FakeHost.SNP_HOST_CPUINFO);
        FakeHost.kvmAmd(root, "Y", "Y", "Y");
    }

    @Test
    void everyLayerAgreesExceptThatDevSevIsNoPspDevice() throws IOException {
        snpHostFiles();
        // A regular file opens like the device would, but the real SEV_ISSUE_CMD ioctl on it fails
        // with ENOTTY: this exercises the Panama open/ioctl/close path end to end.
        FakeHost.write(root, "/dev/sev", "");
        SevPlatformReport report = probe(FakeHost.snpCapableAmd());

        assertTrue(report.sev().available(), report.sev().summary());
        assertTrue(report.sevEs().available(), report.sevEs().summary());
        assertFalse(report.sevSnp().available());
        assertEquals(1, report.sevSnp().reasons().size(), report.sevSnp().summary());
        String reason = report.sevSnp().reasons().get(0);
        assertTrue(reason.startsWith("SNP_PLATFORM_STATUS on /dev/sev failed: ioctl(SEV_ISSUE_CMD SNP_PLATFORM_STATUS)"),
                reason);
        assertTrue(reason.contains("ENOTTY"), reason);
        assertTrue(report.device().exists() && report.device().opened());
        assertEquals(Set.of("sev", "sev_es", "sev_snp"), report.cpuinfoFlags());
        assertEquals(Map.of("sev", "Y", "sev_es", "Y", "sev_snp", "Y"), report.kvmAmdParameters());
        CpuidSevInfo cpu = report.cpuid().orElseThrow();
        assertEquals(51, cpu.cBitPosition());
        assertEquals(509, cpu.maxEncryptedGuests());
        assertEquals(100, cpu.minSevAsid());
    }

    @Test
    void nothingPresentGivesEveryReason() {
        SevPlatformReport report = probe(new FakeHost.ScriptedCpuid().vendor("AuthenticAMD", 0x10)
                .leaf(0x80000000, 0x80000021, 0, 0, 0));
        assertEquals(List.of(
                "CPU does not report SEV-SNP (CPUID 0x8000001F EAX bit 4 clear)",
                "/proc/cpuinfo does not exist",
                "kvm_amd is not loaded (/sys/module/kvm_amd does not exist)",
                "/dev/sev does not exist"), report.sevSnp().reasons());
        assertEquals("CPU does not report SEV (CPUID 0x8000001F EAX bit 1 clear)", report.sev().reasons().get(0));
        assertEquals("CPU does not report SEV-ES (CPUID 0x8000001F EAX bit 3 clear)", report.sevEs().reasons().get(0));
        assertFalse(report.device().exists());
    }

    @Test
    void intelCpu() throws IOException {
        snpHostFiles();
        SevPlatformReport report = probe(new FakeHost.ScriptedCpuid().vendor("GenuineIntel", 0x20)
                .leaf(0x80000000, 0x80000008, 0, 0, 0));
        assertEquals("the CPU is not AMD (CPUID vendor \"GenuineIntel\"); SEV-SNP needs an AMD processor",
                report.sevSnp().reasons().get(0));
    }

    @Test
    void amdWithoutTheEncryptionLeaf() throws IOException {
        snpHostFiles();
        SevPlatformReport report = probe(new FakeHost.ScriptedCpuid().vendor("AuthenticAMD", 0xD)
                .leaf(0x80000000, 0x8000001E, 0, 0, 0));
        assertEquals("the CPU does not implement CPUID leaf 0x8000001F (highest extended leaf 0x8000001e)",
                report.sevSnp().reasons().get(0));
        assertFalse(report.cpuid().orElseThrow().leafPresent());
    }

    @Test
    void snpBitClearButSevAndEsSet() throws IOException {
        snpHostFiles();
        SevPlatformReport report = probe(new FakeHost.ScriptedCpuid().vendor("AuthenticAMD", 0x10)
                .leaf(0x80000000, 0x80000021, 0, 0, 0)
                .leaf(0x8000001F, 0b1010, 47, 15, 1));
        assertEquals("CPU does not report SEV-SNP (CPUID 0x8000001F EAX bit 4 clear)", report.sevSnp().reasons().get(0));
        assertFalse(report.sev().reasons().stream().anyMatch(r -> r.contains("CPUID")));
        assertFalse(report.sevEs().reasons().stream().anyMatch(r -> r.contains("CPUID")));
    }

    @Test
    void cpuidThatCannotRun() throws IOException {
        snpHostFiles();
        SevPlatformReport report = probe((leaf, subleaf) -> {
            throw new IllegalStateException("no CPUID here");
        });
        assertEquals("CPUID could not be executed: no CPUID here", report.sevSnp().reasons().get(0));
        assertTrue(report.cpuid().isEmpty());
        assertEquals("CPUID could not be executed: no CPUID here", report.cpuidProblem().orElseThrow());
    }

    @Test
    void cpuidThroughTheDriverFileFormat() throws IOException {
        // /dev/cpu/N/cpuid: 16 bytes at offset leaf | subleaf << 32. A sparse file stands in.
        Path device = root.resolve("cpuid");
        try (var channel = java.nio.channels.FileChannel.open(device, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            var buf = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            buf.putInt(0x1A).putInt(0x33).putInt(7).putInt(9).flip();
            channel.write(buf, 0x8000001FL | (2L << 32));
        }
        int[] regs = new DevCpuidSource(device).cpuid(0x8000001F, 2);
        assertEquals(List.of(0x1A, 0x33, 7, 9), List.of(regs[0], regs[1], regs[2], regs[3]));
        var missing = new DevCpuidSource(root.resolve("absent"));
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> missing.cpuid(0, 0));
        assertTrue(e.getMessage().startsWith("cannot run CPUID through"), e.getMessage());
    }

    @Test
    void kvmAmdWithSnpDisabledAndAnOlderModule() throws IOException {
        FakeHost.write(root, "/proc/cpuinfo", FakeHost.SNP_HOST_CPUINFO);
        FakeHost.write(root, "/sys/module/kvm_amd/parameters/sev", "1\n");
        FakeHost.write(root, "/sys/module/kvm_amd/parameters/sev_es", "N\n");
        SevPlatformReport report = probe(FakeHost.snpCapableAmd());
        assertFalse(report.sev().reasons().stream().anyMatch(r -> r.contains("kvm_amd")), report.sev().summary());
        assertTrue(report.sevEs().reasons().contains("kvm_amd parameter sev_es is N (SEV-ES disabled in KVM)"));
        assertTrue(report.sevSnp().reasons().contains(
                "/sys/module/kvm_amd/parameters/sev_snp does not exist (this kvm_amd has no SEV-SNP support)"));
    }

    @Test
    void kernelWithoutSnpFlag() throws IOException {
        FakeHost.write(root, "/proc/cpuinfo", FakeHost.SNP_HOST_CPUINFO.replace(" sev_snp", ""));
        FakeHost.kvmAmd(root, "Y", "Y", "N");
        SevPlatformReport report = probe(FakeHost.snpCapableAmd());
        assertEquals(List.of(
                "/proc/cpuinfo does not list the sev_snp flag (the kernel has not enabled SEV-SNP)",
                "kvm_amd parameter sev_snp is N (SEV-SNP disabled in KVM)",
                "/dev/sev does not exist"), report.sevSnp().reasons());
        assertEquals(Set.of("sev", "sev_es"), report.cpuinfoFlags());
    }

    @Test
    void cpuinfoWithoutFlagsLine() throws IOException {
        FakeHost.write(root, "/proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\n");
        SevPlatformReport report = probe(FakeHost.snpCapableAmd());
        assertTrue(report.sev().reasons().contains("/proc/cpuinfo has no flags line"), report.sev().summary());
    }

    @Test
    void devSevThatCannotBeOpened() throws IOException {
        snpHostFiles();
        Path socket = root.resolve("dev/sev");
        Files.createDirectories(socket.getParent());
        // open(2) on a Unix socket fails with ENXIO, whoever the caller is (root bypasses mode bits).
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            SevPlatformReport report = probe(FakeHost.snpCapableAmd());
            for (FeatureStatus status : List.of(report.sev(), report.sevEs(), report.sevSnp())) {
                assertEquals(1, status.reasons().size(), status.summary());
                assertTrue(status.reasons().get(0).startsWith("/dev/sev cannot be opened: open(" + socket + ") failed: ENXIO"),
                        status.reasons().get(0));
            }
            assertTrue(report.device().exists());
            assertFalse(report.device().opened());
        }
    }

    @Test
    void reportIsImmutableAndDescribesItself() throws IOException {
        snpHostFiles();
        SevPlatformReport report = probe(FakeHost.snpCapableAmd());
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> report.sevSnp().reasons().add("x"));
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                () -> report.cpuinfoFlags().add("x"));
        String text = report.describe();
        assertTrue(text.contains("SEV-SNP: unavailable: /dev/sev does not exist"), text);
        assertTrue(text.contains("c-bit 51"), text);
        for (String line : report.sevSnp().reasons()) {
            assertFalse(line.contains("\n"));
        }
    }
}
