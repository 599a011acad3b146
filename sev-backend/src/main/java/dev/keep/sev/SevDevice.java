package dev.keep.sev;

import dev.keep.kvm.Libc;
import dev.keep.kvm.LibcConstants;
import dev.keep.kvm.NativeCallException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * An open /dev/sev (the PSP driver's platform interface). Platform queries need only read access;
 * the SNP launch path opens it read-write to pass it to KVM as {@code sev_fd}.
 */
public final class SevDevice implements AutoCloseable {

    private final Path path;
    private int fd;

    private SevDevice(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    public static SevDevice openReadOnly(Path path) throws SevDeviceException {
        return open(path, LibcConstants.O_RDONLY);
    }

    public static SevDevice openReadWrite(Path path) throws SevDeviceException {
        return open(path, LibcConstants.O_RDWR);
    }

    private static SevDevice open(Path path, int access) throws SevDeviceException {
        try {
            return new SevDevice(path, Libc.open(path.toString(), access | LibcConstants.O_CLOEXEC));
        } catch (NativeCallException e) {
            throw new SevDeviceException("open(" + path + ")", e.errno(), 0);
        }
    }

    /** The raw descriptor, for passing to KVM as sev_fd. */
    public int fd() {
        if (fd < 0) {
            throw new IllegalStateException(path + " is closed");
        }
        return fd;
    }

    /** Issues SNP_PLATFORM_STATUS through SEV_ISSUE_CMD. */
    public SnpPlatformStatus snpPlatformStatus() throws SevDeviceException {
        return SnpPlatformStatus.decode(issue(SevIoctl.SNP_PLATFORM_STATUS, "SNP_PLATFORM_STATUS",
                SevIoctl.SNP_STATUS_SIZE));
    }

    /**
     * SEV_ISSUE_CMD with a zeroed output buffer of {@code size} bytes; returns the buffer's bytes.
     * The kernel also reports the firmware's status word in {@code sev_issue_cmd.error}.
     */
    byte[] issue(int command, String name, int size) throws SevDeviceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(size, 8);
            MemorySegment cmd = arena.allocate(SevIoctl.ISSUE_CMD_SIZE, 8);
            cmd.set(ValueLayout.JAVA_INT_UNALIGNED, SevIoctl.ISSUE_CMD_OFFSET_CMD, command);
            cmd.set(ValueLayout.JAVA_LONG_UNALIGNED, SevIoctl.ISSUE_CMD_OFFSET_DATA, data.address());
            try {
                Libc.ioctl(fd(), SevIoctl.SEV_ISSUE_CMD, cmd, "SEV_ISSUE_CMD " + name);
            } catch (NativeCallException e) {
                int firmwareError = cmd.get(ValueLayout.JAVA_INT_UNALIGNED, SevIoctl.ISSUE_CMD_OFFSET_ERROR);
                throw new SevDeviceException("ioctl(SEV_ISSUE_CMD " + name + ") on " + path, e.errno(), firmwareError);
            }
            return data.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            Libc.close(fd);
            fd = -1;
        }
    }
}
