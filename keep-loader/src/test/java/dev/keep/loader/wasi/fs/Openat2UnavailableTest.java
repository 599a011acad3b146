package dev.keep.loader.wasi.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without openat2 there is no safe way to resolve guest paths, so opening a preopened directory
 * must fail with one line. The kernel's real ENOSYS is produced by calling a syscall number no
 * kernel assigns, through the same code path that openat2's number takes.
 */
class Openat2UnavailableTest {
    /** Far above every assigned x86-64 syscall number (the table ends below 500). */
    private static final long UNASSIGNED_SYSCALL = 1023;

    @Test
    void aKernelWithoutOpenat2FailsClosed(@TempDir Path dir) {
        Openat2UnavailableException e = assertThrows(Openat2UnavailableException.class,
                () -> HostDirectory.open(dir, HostDirectory.Access.READ_WRITE,
                        HostDirectory.Mounts.CROSS, UNASSIGNED_SYSCALL));
        assertEquals(WasiErrno.NOSYS, e.wasiErrno());
        assertEquals(FsConstants.ENOSYS, e.hostErrno());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(e.getMessage().startsWith("openat2(2) is not available"), e.getMessage());
    }

    @Test
    void thisKernelHasOpenat2(@TempDir Path dir) throws Exception {
        try (HostDirectory opened = HostDirectory.open(dir, HostDirectory.Access.READ_ONLY)) {
            assertEquals(FileType.DIRECTORY, opened.stat().type());
        }
    }
}
