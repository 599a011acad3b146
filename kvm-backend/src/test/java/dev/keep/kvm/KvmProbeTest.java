package dev.keep.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KvmProbe} against host trees built in a temporary directory in the real file formats
 * (/proc/cpuinfo, /proc/misc, /proc/config.gz, /sys/module), plus one check on this machine.
 */
class KvmProbeTest {

    /** A cpuinfo excerpt in the kernel's format; {@code flags} replaces the flags line. */
    private static String cpuinfo(String flags) {
        return """
                processor\t: 0
                vendor_id\t: AuthenticAMD
                cpu family\t: 26
                model\t\t: 2
                model name\t: AMD EPYC
                flags\t\t: %s
                bugs\t\t: sysret_ss_attrs spectre_v1

                processor\t: 1
                vendor_id\t: AuthenticAMD
                flags\t\t: %s
                """.formatted(flags, flags);
    }

    private static final String GUEST_FLAGS =
            "fpu vme de pse tsc msr pae cx8 apic sse sse2 syscall nx lm sse4_1 sse4_2 avx"
                    + " hypervisor lahf_lm avx2";
    private static final String AMD_HOST_FLAGS =
            "fpu vme de pse tsc msr pae cx8 apic sse sse2 syscall nx lm svm sse4_1 sse4_2 avx avx2";
    private static final String MISC_WITHOUT_KVM = """
            234 btrfs-control
            259 cpu_dma_latency
            200 tun
            237 loop-control
            """;
    private static final String MISC_WITH_KVM = MISC_WITHOUT_KVM + "232 kvm\n";

    private static void write(Path root, String absolute, String text) throws IOException {
        Path file = HostRoot.at(root).resolve(absolute);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static void module(Path root, String name) throws IOException {
        Files.createDirectories(HostRoot.at(root).resolve("/sys/module/" + name + "/parameters"));
    }

    private static void kernelConfig(Path root, String... lines) throws IOException {
        Path file = HostRoot.at(root).resolve("/proc/config.gz");
        Files.createDirectories(file.getParent());
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void pvmGuestKernelWithoutDevice(@TempDir Path root) throws IOException {
        // The shape of this machine: kvm_pvm built in, kernel itself a PVM guest, no /dev/kvm.
        module(root, "kvm");
        module(root, "kvm_pvm");
        write(root, "/proc/cpuinfo", cpuinfo(GUEST_FLAGS));
        write(root, "/proc/misc", MISC_WITHOUT_KVM);
        kernelConfig(root, "CONFIG_PVM_GUEST=y", "CONFIG_KVM=y", "# CONFIG_KVM_AMD is not set");

        KvmStatus status = KvmProbe.probe(HostRoot.at(root));

        assertFalse(status.present());
        assertFalse(status.openable());
        assertEquals(OptionalInt.empty(), status.apiVersion());
        assertEquals(Virtualization.NESTED_PVM, status.virtualization());
        assertEquals("nested-pvm", status.virtualization().label());
        assertFalse(status.usable());
        assertEquals(Optional.of("/dev/kvm does not exist: kvm_pvm is present but registered no"
                + " kvm device (it is not in /proc/misc), because this kernel is itself a guest"
                + " (cpuinfo has the 'hypervisor' flag and no svm/vmx) built as a PVM guest"
                + " (CONFIG_PVM_GUEST=y), and kvm-pvm does not bind inside a PVM guest"),
                status.unusableReason());
    }

    @Test
    void pvmWithoutGuestConfigSaysProbably(@TempDir Path root) throws IOException {
        module(root, "kvm_pvm");
        write(root, "/proc/cpuinfo", cpuinfo(GUEST_FLAGS));
        write(root, "/proc/misc", MISC_WITHOUT_KVM);

        KvmStatus status = KvmProbe.probe(HostRoot.at(root));

        assertEquals(Virtualization.NESTED_PVM, status.virtualization());
        assertEquals("/dev/kvm does not exist: kvm_pvm is present but registered no kvm device"
                + " (it is not in /proc/misc), probably because this kernel is itself a guest"
                + " (cpuinfo has the 'hypervisor' flag) and kvm-pvm does not bind inside a PVM"
                + " guest", status.unusableReason().orElseThrow());
    }

    @Test
    void registeredDeviceWithoutNodeSaysMknod(@TempDir Path root) throws IOException {
        module(root, "kvm_amd");
        write(root, "/proc/cpuinfo", cpuinfo(AMD_HOST_FLAGS));
        write(root, "/proc/misc", MISC_WITH_KVM);

        KvmStatus status = KvmProbe.probe(HostRoot.at(root));

        assertEquals(Virtualization.HARDWARE, status.virtualization());
        assertEquals("/dev/kvm does not exist: the kernel registered the kvm device (misc minor"
                + " 232 in /proc/misc) but the node is missing; create it with 'mknod /dev/kvm c"
                + " 10 232' or fix devtmpfs/udev", status.unusableReason().orElseThrow());
    }

    @Test
    void cpuWithSvmButNoModuleSaysModprobe(@TempDir Path root) throws IOException {
        write(root, "/proc/cpuinfo", cpuinfo(AMD_HOST_FLAGS));
        write(root, "/proc/misc", MISC_WITHOUT_KVM);

        KvmStatus status = KvmProbe.probe(HostRoot.at(root));

        assertEquals(Virtualization.HARDWARE, status.virtualization());
        assertEquals("/dev/kvm does not exist: the CPU supports AMD-V (svm) but neither kvm_amd"
                + " nor kvm_intel is loaded (try 'modprobe kvm_amd')",
                status.unusableReason().orElseThrow());
    }

    @Test
    void loadedModuleWithoutDeviceBlamesFirmware(@TempDir Path root) throws IOException {
        module(root, "kvm_intel");
        write(root, "/proc/cpuinfo", cpuinfo(GUEST_FLAGS.replace("hypervisor", "vmx")));
        write(root, "/proc/misc", MISC_WITHOUT_KVM);

        KvmStatus status = KvmProbe.probe(HostRoot.at(root));

        assertEquals(Virtualization.HARDWARE, status.virtualization());
        assertEquals("/dev/kvm does not exist: kvm_intel is loaded but registered no kvm device"
                + " (it is not in /proc/misc), so virtualization is probably disabled in the"
                + " firmware", status.unusableReason().orElseThrow());
    }

    @Test
    void virtualMachineWithoutNestedVirtualization(@TempDir Path root) throws IOException {
        write(root, "/proc/cpuinfo", cpuinfo(GUEST_FLAGS));
        write(root, "/proc/misc", MISC_WITHOUT_KVM);

        KvmStatus status = KvmProbe.probe(HostRoot.at(root));

        assertEquals(Virtualization.NONE, status.virtualization());
        assertEquals("/dev/kvm does not exist: this host has no KVM support (no kvm_amd,"
                + " kvm_intel or kvm_pvm module and no svm/vmx CPU flag), it is a virtual machine"
                + " without nested virtualization", status.unusableReason().orElseThrow());
    }

    @Test
    void emptyTreeStillAnswers(@TempDir Path root) {
        KvmStatus status = KvmProbe.probe(HostRoot.at(root));

        assertEquals(Virtualization.NONE, status.virtualization());
        assertEquals("/dev/kvm does not exist: this host has no KVM support (no kvm_amd,"
                + " kvm_intel or kvm_pvm module and no svm/vmx CPU flag)",
                status.unusableReason().orElseThrow());
    }

    @Test
    void regularFileInPlaceOfTheDeviceIsNotKvm(@TempDir Path root) throws IOException {
        module(root, "kvm_amd");
        write(root, "/proc/cpuinfo", cpuinfo(AMD_HOST_FLAGS));
        write(root, "/dev/kvm", "");

        KvmStatus status = KvmProbe.probe(HostRoot.at(root));

        // open(2) succeeds on a plain file; KVM_GET_API_VERSION is what tells it apart.
        assertTrue(status.present());
        assertTrue(status.openable());
        assertEquals(OptionalInt.empty(), status.apiVersion());
        assertEquals(HostRoot.at(root).resolve("/dev/kvm"), status.devicePath());
        assertEquals("/dev/kvm is not a KVM device: ioctl(KVM_GET_API_VERSION) failed:"
                + " Inappropriate ioctl for device (errno 25)",
                status.unusableReason().orElseThrow());
    }

    @Test
    void directoryInPlaceOfTheDeviceCannotBeOpened(@TempDir Path root) throws IOException {
        Files.createDirectories(HostRoot.at(root).resolve("/dev/kvm"));

        KvmStatus status = KvmProbe.probe(HostRoot.at(root));

        assertTrue(status.present());
        assertFalse(status.openable());
        assertEquals("cannot open /dev/kvm: Is a directory", status.unusableReason().orElseThrow());
    }

    @Test
    void permissionErrorsTellTheUserWhatToDo() {
        HostFacts facts = HostFacts.read(HostRoot.system());
        // Tests run as root here, so EACCES cannot be provoked; the wording is checked directly.
        assertEquals("permission denied opening /dev/kvm: add your user to the kvm group",
                KvmDeviceErrors.openFailure("/dev/kvm", LibcConstants.EACCES, facts));
        assertEquals("permission denied opening /dev/kvm: add your user to the kvm group",
                KvmDeviceErrors.openFailure("/dev/kvm", LibcConstants.EPERM, facts));
    }

    @Test
    void realMachineIsConsistentWithTheFileSystem() {
        KvmStatus status = KvmProbe.probe();

        boolean exists = Files.exists(Path.of("/dev/kvm"));
        assertEquals(exists, status.present());
        assertEquals(Path.of("/dev/kvm"), status.devicePath());
        if (!exists) {
            assertFalse(status.usable());
            assertTrue(status.unusableReason().orElseThrow().startsWith("/dev/kvm does not exist: "),
                    status.unusableReason().get());
        }
        if (status.usable()) {
            assertEquals(OptionalInt.of(KvmConstants.KVM_API_VERSION), status.apiVersion());
        }
        boolean hardwareModule = Files.exists(Path.of("/sys/module/kvm_amd"))
                || Files.exists(Path.of("/sys/module/kvm_intel"));
        if (hardwareModule) {
            assertEquals(Virtualization.HARDWARE, status.virtualization());
        } else if (Files.exists(Path.of("/sys/module/kvm_pvm"))) {
            assertEquals(Virtualization.NESTED_PVM, status.virtualization());
        }
        assertTrue(status.unusableReason().map(r -> !r.contains("\n")).orElse(true),
                "the reason is one line");
    }
}
