package dev.keep.sev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import dev.keep.kvm.HostCpuid;
import org.junit.jupiter.api.Test;

/**
 * The probe on the machine running the tests: each verdict must agree with what the host's files
 * and CPUID say when read directly here. (On the development machines every feature is unavailable:
 * no SEV in CPUID, no kvm_amd, no /dev/sev.)
 */
class SevProbeHostTest {

    private static final List<String> KEYS = List.of("sev", "sev_es", "sev_snp");
    private static final int[] CPUID_BITS = {1, 3, 4};

    @Test
    void verdictsAgreeWithTheHostsOwnFiles() throws IOException {
        CpuidSource cpuid = HostCpuid::query;
        SevPlatformReport report = SevProbe.forHost().probe();
        List<FeatureStatus> statuses = List.of(report.sev(), report.sevEs(), report.sevSnp());

        String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        String flagsLine = cpuinfo.lines().filter(l -> l.startsWith("flags")).findFirst().orElse("");
        List<String> flags = List.of(flagsLine.substring(flagsLine.indexOf(':') + 1).trim().split("\\s+"));
        boolean devSevExists = Files.exists(Path.of("/dev/sev"));
        Optional<int[]> leaf = directCpuid(cpuid);

        for (int i = 0; i < 3; i++) {
            String key = KEYS.get(i);
            FeatureStatus status = statuses.get(i);
            String label = status.feature();

            boolean listed = flags.contains(key);
            assertEquals(!listed, status.reasons().contains(
                    "/proc/cpuinfo does not list the " + key + " flag (the kernel has not enabled " + label + ")"),
                    status.summary());

            Path param = Path.of("/sys/module/kvm_amd/parameters", key);
            boolean enabled = Files.exists(param) && List.of("Y", "1").contains(Files.readString(param).trim());
            assertEquals(!enabled, status.reasons().stream().anyMatch(r -> r.contains("kvm_amd")), status.summary());

            assertEquals(!devSevExists, status.reasons().contains("/dev/sev does not exist"), status.summary());

            if (leaf.isPresent()) {
                int bitIndex = CPUID_BITS[i];
                boolean bit = (leaf.get()[0] & (1 << bitIndex)) != 0;
                assertEquals(!bit, status.reasons().stream().anyMatch(r -> r.contains("CPUID 0x8000001F EAX bit "
                        + bitIndex + " clear") || r.contains("not AMD") || r.contains("does not implement")),
                        status.summary());
            } else {
                assertTrue(status.reasons().get(0).startsWith("CPUID could not be executed"), status.summary());
            }

            if (!listed || !enabled || !devSevExists) {
                assertFalse(status.available(), status.summary());
            }
        }
        if (!devSevExists) {
            assertFalse(report.device().exists());
            assertTrue(report.device().snpStatus().isEmpty());
        }
    }

    @Test
    void theCpuidDriverAgreesWithTheInstructionWhereItIsReadable() {
        Optional<CpuidSevInfo> viaDriver;
        try {
            viaDriver = Optional.of(CpuidSevInfo.read(DevCpuidSource.cpu0()));
        } catch (RuntimeException e) {
            // Without the cpuid module or root the driver cannot answer; the probe must say so.
            SevPlatformReport report = SevProbe.forHost(DevCpuidSource.cpu0()).probe();
            assertTrue(report.cpuidProblem().orElseThrow().startsWith("CPUID could not be executed: cannot run CPUID"),
                    report.cpuidProblem().orElseThrow());
            return;
        }
        assertEquals(CpuidSevInfo.read(HostCpuid::query), viaDriver.get());
    }

    /** Leaf 0x8000001F read straight from the source when the CPU is AMD and has the leaf. */
    private static Optional<int[]> directCpuid(CpuidSource cpuid) {
        try {
            int[] max = cpuid.cpuid(0x80000000, 0);
            int[] vendor = cpuid.cpuid(0, 0);
            boolean amd = vendor[1] == 0x68747541 && vendor[3] == 0x69746e65 && vendor[2] == 0x444d4163;
            if (!amd || Integer.compareUnsigned(max[0], 0x8000001F) < 0) {
                return Optional.of(new int[4]);
            }
            return Optional.of(cpuid.cpuid(0x8000001F, 0));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
