package dev.keep.loader.jail;

import static dev.keep.loader.jail.JailAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One end of the Unix-domain stream socket between the supervisor and its jailed runner. It carries
 * frames (a 4-byte big-endian length, then that many bytes); a frame may bring file descriptors along
 * as SCM_RIGHTS, attached to its length bytes. This is how the runner receives every capability it
 * has: the app module and the preopened directories arrive as descriptors, never as host paths.
 */
final class FdChannel implements AutoCloseable {
    /** A received frame and the descriptors that came with it (already close-on-exec). */
    record Frame(byte[] payload, int[] fds) {}

    /** Far above any real instruction set (argv, env and paths of one app), far below what would hurt. */
    static final int MAX_FRAME_BYTES = 64 << 20;

    private int fd;

    FdChannel(int fd) {
        this.fd = fd;
    }

    int fd() {
        return fd;
    }

    /** Connects to the supervisor's socket at {@code path} (the runner does this once, before seccomp forbids it). */
    static FdChannel connect(Path path) {
        int fd = (int) JailNative.check(JailNative.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket(AF_UNIX)");
        try (Arena arena = Arena.ofConfined()) {
            JailNative.check(JailNative.connect(fd, unixAddress(arena, path)), "connect to " + path);
            return new FdChannel(fd);
        } catch (RuntimeException e) {
            JailNative.close(fd);
            throw e;
        }
    }

    static MemorySegment unixAddress(Arena arena, Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SOCKADDR_UN_PATH_MAX) {
            throw new JailException("socket path too long for a Unix socket: " + path);
        }
        MemorySegment address = arena.allocate(SOCKADDR_UN_SIZE);
        address.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(name, 0, address, ValueLayout.JAVA_BYTE, SOCKADDR_UN_PATH, name.length);
        return address;
    }

    void send(byte[] payload, int... fds) {
        if (fds.length > SCM_MAX_FD) {
            throw new JailException("too many descriptors for the jailed runner: " + fds.length + " (at most " + SCM_MAX_FD + ")");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment length = arena.allocate(4);
            length.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0, payload.length);
            MemorySegment iov = arena.allocate(IOVEC_SIZE, 8);
            iov.set(ValueLayout.ADDRESS, IOVEC_BASE, length);
            iov.set(ValueLayout.JAVA_LONG, IOVEC_LEN, 4);
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            msg.set(ValueLayout.ADDRESS, MSGHDR_IOV, iov);
            msg.set(ValueLayout.JAVA_LONG, MSGHDR_IOVLEN, 1);
            if (fds.length > 0) {
                MemorySegment control = arena.allocate(cmsgSpace(fds.length), 8);
                control.set(ValueLayout.JAVA_LONG, CMSGHDR_LEN, CMSGHDR_SIZE + 4L * fds.length);
                control.set(ValueLayout.JAVA_INT, CMSGHDR_LEVEL, SOL_SOCKET);
                control.set(ValueLayout.JAVA_INT, CMSGHDR_TYPE, SCM_RIGHTS);
                MemorySegment.copy(fds, 0, control, ValueLayout.JAVA_INT, CMSGHDR_SIZE, fds.length);
                msg.set(ValueLayout.ADDRESS, MSGHDR_CONTROL, control);
                msg.set(ValueLayout.JAVA_LONG, MSGHDR_CONTROLLEN, control.byteSize());
            }
            long sent;
            do {
                sent = JailNative.sendmsg(fd, msg, 0);
            } while (sent == -EINTR);
            JailNative.check(sent, "sendmsg to the jail channel");
            if (sent != 4) {
                writeFully(length.asSlice(sent));
            }
            writeFully(arena.allocateFrom(ValueLayout.JAVA_BYTE, payload));
        }
    }

    /** The next frame, or empty when the other end closed the channel before sending one. */
    Optional<Frame> receive() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment length = arena.allocate(4);
            MemorySegment iov = arena.allocate(IOVEC_SIZE, 8);
            iov.set(ValueLayout.ADDRESS, IOVEC_BASE, length);
            iov.set(ValueLayout.JAVA_LONG, IOVEC_LEN, 4);
            MemorySegment control = arena.allocate(cmsgSpace(SCM_MAX_FD), 8);
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            msg.set(ValueLayout.ADDRESS, MSGHDR_IOV, iov);
            msg.set(ValueLayout.JAVA_LONG, MSGHDR_IOVLEN, 1);
            msg.set(ValueLayout.ADDRESS, MSGHDR_CONTROL, control);
            msg.set(ValueLayout.JAVA_LONG, MSGHDR_CONTROLLEN, control.byteSize());
            long got;
            do {
                got = JailNative.recvmsg(fd, msg, MSG_CMSG_CLOEXEC);
            } while (got == -EINTR);
            JailNative.check(got, "recvmsg from the jail channel");
            int[] fds = receivedFds(msg);
            if (got == 0) {
                return Optional.empty();
            }
            if ((msg.get(ValueLayout.JAVA_INT, MSGHDR_FLAGS) & MSG_CTRUNC) != 0) {
                closeAll(fds);
                throw new JailException("the jail channel dropped descriptors (control data truncated)");
            }
            if (got < 4) {
                readFully(length.asSlice(got));
            }
            int size = length.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0);
            if (size < 0 || size > MAX_FRAME_BYTES) {
                closeAll(fds);
                throw new JailException("the jail channel announced a frame of " + size + " bytes");
            }
            MemorySegment payload = arena.allocate(Math.max(1, size));
            readFully(payload.asSlice(0, size));
            return Optional.of(new Frame(payload.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE), fds));
        }
    }

    private static long cmsgSpace(int fdCount) {
        return CMSGHDR_SIZE + ((4L * fdCount + 7) & ~7L);
    }

    private static int[] receivedFds(MemorySegment msg) {
        long controlLength = msg.get(ValueLayout.JAVA_LONG, MSGHDR_CONTROLLEN);
        if (controlLength < CMSGHDR_SIZE) {
            return new int[0];
        }
        MemorySegment control = msg.get(ValueLayout.ADDRESS, MSGHDR_CONTROL).reinterpret(controlLength);
        long cmsgLength = control.get(ValueLayout.JAVA_LONG, CMSGHDR_LEN);
        if (control.get(ValueLayout.JAVA_INT, CMSGHDR_LEVEL) != SOL_SOCKET
                || control.get(ValueLayout.JAVA_INT, CMSGHDR_TYPE) != SCM_RIGHTS
                || cmsgLength < CMSGHDR_SIZE || cmsgLength > controlLength) {
            return new int[0];
        }
        int count = (int) ((cmsgLength - CMSGHDR_SIZE) / 4);
        return control.asSlice(CMSGHDR_SIZE, 4L * count).toArray(ValueLayout.JAVA_INT);
    }

    private void writeFully(MemorySegment data) {
        long offset = 0;
        while (offset < data.byteSize()) {
            long wrote = JailNative.write(fd, data.asSlice(offset));
            if (wrote == -EINTR) {
                continue;
            }
            offset += JailNative.check(wrote, "write to the jail channel");
        }
    }

    private void readFully(MemorySegment data) {
        long offset = 0;
        while (offset < data.byteSize()) {
            long got = JailNative.read(fd, data.asSlice(offset));
            if (got == -EINTR) {
                continue;
            }
            if (JailNative.check(got, "read from the jail channel") == 0) {
                throw new JailException("the jail channel closed in the middle of a frame");
            }
            offset += got;
        }
    }

    static void closeAll(int[] fds) {
        for (int f : fds) {
            JailNative.close(f);
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            JailNative.close(fd);
            fd = -1;
        }
    }
}
