package dev.keep.sev.launch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real device on a machine without SEV or KVM (like this one): opening it fails with one line
 * naming the missing device, before any VM exists.
 */
class KvmSnpLaunchDeviceTest {

    @Test
    void aMissingSevDeviceIsOneLine(@TempDir Path dir) {
        Path sev = dir.resolve("sev");
        SnpLaunchException e = assertThrows(SnpLaunchException.class,
                () -> KvmSnpLaunchDevice.open(sev, dir.resolve("kvm"), vcpu -> { }));
        assertTrue(e.getMessage().startsWith("an SEV-SNP launch needs " + sev + ": open(" + sev + ") failed: ENOENT"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void aMissingKvmDeviceIsOneLine(@TempDir Path dir) throws Exception {
        // A plain file stands in for /dev/sev: it opens read-write, which is all open() asks of it.
        Path sev = Files.createFile(dir.resolve("sev"));
        Path kvm = dir.resolve("kvm");
        SnpLaunchException e = assertThrows(SnpLaunchException.class,
                () -> KvmSnpLaunchDevice.open(sev, kvm, vcpu -> { }));
        assertTrue(e.getMessage().startsWith("an SEV-SNP launch needs " + kvm + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(kvm.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }
}
