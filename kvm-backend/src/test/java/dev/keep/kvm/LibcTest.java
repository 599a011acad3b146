package dev.keep.kvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libc downcalls, their errno capture and the messages they produce. */
class LibcTest {

    @Test
    void failedOpenNamesTheCallAndStrerror(@TempDir Path dir) {
        String path = dir.resolve("absent").toString();

        NativeCallException e = assertThrows(NativeCallException.class,
                () -> Libc.open(path, LibcConstants.O_RDONLY));

        assertEquals(LibcConstants.ENOENT, e.errno());
        assertEquals("open(" + path + ")", e.call());
        assertEquals("open(" + path + ") failed: No such file or directory (errno 2)",
                e.getMessage());
    }

    @Test
    void ioctlOnAFileThatIsNotADeviceFailsWithEnotty() throws Exception {
        int fd = Libc.open("/dev/null", LibcConstants.O_RDWR | LibcConstants.O_CLOEXEC);
        try (OwnedFd file = new OwnedFd(fd, "/dev/null")) {
            NativeCallException e = assertThrows(NativeCallException.class,
                    () -> file.ioctl(KvmIoctl.KVM_CHECK_EXTENSION, 0));
            assertEquals(LibcConstants.ENOTTY, e.errno());
            assertEquals("ioctl(KVM_CHECK_EXTENSION) failed: Inappropriate ioctl for device"
                    + " (errno 25)", e.getMessage());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment regs = arena.allocate(KvmStructs.KVM_REGS);
                NativeCallException pointer = assertThrows(NativeCallException.class,
                        () -> file.ioctl(KvmIoctl.KVM_GET_REGS, regs));
                assertEquals("ioctl(KVM_GET_REGS)", pointer.call());
            }
        }
    }

    @Test
    void closedDescriptorIsNeverReused() throws Exception {
        OwnedFd file = new OwnedFd(Libc.open("/dev/null", LibcConstants.O_RDONLY), "/dev/null");
        file.close();
        file.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, file::get);
        assertEquals("/dev/null is closed", e.getMessage());
    }

    @Test
    void closeOfABadDescriptorReturnsEbadf() {
        assertEquals(9 /* EBADF */, Libc.close(-1));
    }

    @Test
    void mmapMprotectMunmap() throws NativeCallException {
        long page = GuestMemory.PAGE_SIZE;
        long address = Libc.mmap(0, page, LibcConstants.PROT_READ | LibcConstants.PROT_WRITE,
                LibcConstants.MAP_PRIVATE | LibcConstants.MAP_ANONYMOUS, -1, 0);
        try {
            MemorySegment memory = MemorySegment.ofAddress(address).reinterpret(page);
            memory.set(ValueLayout.JAVA_LONG, 8, 0x1122334455667788L);
            Libc.mprotect(address, page, LibcConstants.PROT_READ);
            assertEquals(0x1122334455667788L, memory.get(ValueLayout.JAVA_LONG, 8));
            assertTrue(mappingLine(address).contains(" r--p "), mappingLine(address));
        } finally {
            Libc.munmap(address, page);
        }
        assertEquals("", mappingLine(address));
    }

    @Test
    void mmapFailureIsReported() {
        NativeCallException e = assertThrows(NativeCallException.class,
                () -> Libc.mmap(0, 0, LibcConstants.PROT_READ,
                        LibcConstants.MAP_PRIVATE | LibcConstants.MAP_ANONYMOUS, -1, 0));
        assertEquals(LibcConstants.EINVAL, e.errno());
        assertEquals("mmap(length 0) failed: Invalid argument (errno 22)", e.getMessage());
    }

    @Test
    void eventfdCountsWrites() throws Exception {
        int fd = Libc.eventfd(3, LibcConstants.EFD_CLOEXEC | LibcConstants.EFD_NONBLOCK);
        try (OwnedFd event = new OwnedFd(fd, "eventfd")) {
            Path link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + event.get()));
            assertEquals("anon_inode:[eventfd]", link.toString());
            String info = Files.readString(Path.of("/proc/self/fdinfo/" + event.get()));
            assertTrue(info.lines().anyMatch(l -> l.matches("eventfd-count:\\s+3")), info);
        }
    }

    @Test
    void processAndThreadIds() throws NativeCallException {
        assertEquals(ProcessHandle.current().pid(), Libc.getpid());
        int tid = Libc.gettid();
        assertTrue(Files.exists(Path.of("/proc/self/task/" + tid)), "tid " + tid);
        // Signal 0 checks that the thread exists without sending anything.
        Libc.tgkill(Libc.getpid(), tid, 0);
        NativeCallException e = assertThrows(NativeCallException.class,
                () -> Libc.tgkill(Libc.getpid(), Integer.MAX_VALUE, 0));
        assertEquals(3 /* ESRCH */, e.errno());
    }

    @Test
    void errnoIsPerThread() throws Exception {
        // Two threads fail with different errnos at once; each must see its own.
        List<Integer> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        Thread a = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 500; i++) {
                try {
                    Libc.open("/nonexistent/keep", LibcConstants.O_RDONLY);
                } catch (NativeCallException e) {
                    if (e.errno() != LibcConstants.ENOENT) {
                        seen.add(e.errno());
                    }
                }
            }
        });
        Thread b = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 500; i++) {
                try {
                    Libc.mmap(0, 0, 0, LibcConstants.MAP_PRIVATE | LibcConstants.MAP_ANONYMOUS,
                            -1, 0);
                } catch (NativeCallException e) {
                    if (e.errno() != LibcConstants.EINVAL) {
                        seen.add(e.errno());
                    }
                }
            }
        });
        a.join();
        b.join();
        assertEquals(List.of(), seen);
    }

    @Test
    void strerrorText() {
        assertEquals("Operation not permitted", Libc.strerror(LibcConstants.EPERM));
        assertEquals("Permission denied", Libc.strerror(LibcConstants.EACCES));
    }

    /** The /proc/self/maps line of the mapping that starts at {@code address}, or "". */
    static String mappingLine(long address) {
        String start = Long.toHexString(address) + "-";
        try {
            return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(line -> line.startsWith(start)).findFirst().orElse("");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
