package dev.keep.loader.wasi.host;

import dev.keep.loader.wasi.fs.FileAccess;
import dev.keep.loader.wasi.fs.FileStat;
import dev.keep.loader.wasi.fs.FileType;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.fs.HostDirectory;
import dev.keep.loader.wasi.fs.HostFile;
import dev.keep.loader.wasi.fs.OpenOption;
import dev.keep.loader.wasi.fs.WasiErrno;
import dev.keep.loader.wasi.net.HostSocket;
import dev.keep.shim.abi.WasiCall;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Performs the WASI calls a keep forwards, on its own {@link FdTable}: files and directories
 * beneath the preopened {@link HostDirectory} jails (openat2 with RESOLVE_BENEATH, read-only
 * directories refuse every write), the standard streams, TCP sockets the host opened for the keep
 * ({@link LaunchSocket}s and the connections accepted on them), and the host clocks. The request was
 * validated before it gets here (every slot and length within the ABI's limits), but values are
 * still the guest's: every fd, flag and offset is checked, and every failure is a WASI errno,
 * never an exception.
 */
public final class WasiCallHandler implements AutoCloseable {
    // WASI preview1 bits (witx typenames).
    private static final long OFLAG_CREAT = 1;
    private static final long OFLAG_DIRECTORY = 2;
    private static final long OFLAG_EXCL = 4;
    private static final long OFLAG_TRUNC = 8;
    private static final long FDFLAG_APPEND = 1;
    private static final long FDFLAG_DSYNC = 2;
    private static final long FDFLAG_NONBLOCK = 4;
    private static final long FDFLAG_RSYNC = 8;
    private static final long FDFLAG_SYNC = 16;
    private static final long LOOKUP_SYMLINK_FOLLOW = 1;
    private static final long RIGHT_FD_READDIR = 1L << 14;
    private static final int WHENCE_SET = 0;
    private static final int WHENCE_CUR = 1;
    private static final int WHENCE_END = 2;
    private static final int DIRENT_HEADER = 24;
    private static final long RECV_PEEK = 1;
    private static final long RECV_WAITALL = 2;
    private static final long SDFLAG_RD = 1;
    private static final long SDFLAG_WR = 2;
    private static final int FILE_MODE = 0666;
    private static final int DIRECTORY_MODE = 0777;

    private final FdTable fds;
    private final KeepLimits limits;
    private final HostClocks clocks = new HostClocks();

    /**
     * @param launchFds fds 3, 4, ... in order: directories are opened here, sockets arrive open;
     *     the handler owns the sockets from now on, and closes them too when it throws
     * @throws FsException when a preopened directory cannot be opened
     */
    public WasiCallHandler(InputStream stdin, OutputStream stdout, OutputStream stderr,
            List<? extends LaunchFd> launchFds, KeepLimits limits) throws FsException {
        this.limits = limits;
        if (3 + launchFds.size() > limits.maxOpenFds()) {
            LaunchFds.closeSockets(launchFds);
            throw new IllegalArgumentException("keep limits: " + launchFds.size()
                    + " preopened fds do not fit " + limits.maxOpenFds() + " open fds");
        }
        fds = new FdTable(limits.maxOpenFds());
        fds.add(new FdEntry.Input(stdin));
        fds.add(new FdEntry.Output(stdout));
        fds.add(new FdEntry.Output(stderr));
        int next = 0;
        try {
            for (; next < launchFds.size(); next++) {
                fds.add(switch (launchFds.get(next)) {
                    case Preopen p -> new FdEntry.Directory(HostDirectory.open(p.hostPath(),
                            p.readOnly() ? HostDirectory.Access.READ_ONLY
                                    : HostDirectory.Access.READ_WRITE),
                            p.guestName(), FdRights.ofDirectory());
                    case LaunchSocket s -> new FdEntry.Socket(s.socket(), false);
                });
            }
        } catch (FsException | RuntimeException e) {
            fds.close();
            LaunchFds.closeSockets(launchFds.subList(next, launchFds.size()));
            throw e;
        }
    }

    /** Descriptors open now (streams and preopens included). */
    public int openFds() {
        return fds.size();
    }

    /**
     * Performs one call.
     *
     * @param args the request's argument slots, one per parameter (pointers are 0)
     * @param inputs the request's input byte runs, in parameter order (paths, gathered bytes)
     * @param capacity bytes the keep can take in the reply's variable part
     */
    public WasiReply perform(WasiCall call, long[] args, List<byte[]> inputs, int capacity) {
        int room = Math.min(capacity, limits.maxBytesPerRequest());
        try {
            return switch (call) {
                case FD_PRESTAT_GET -> prestat(args[0]);
                case FD_PRESTAT_DIR_NAME -> prestatName(args[0], capacity);
                case PATH_OPEN -> open(args, path(inputs.get(0)));
                case FD_READ -> read(args[0], room, -1);
                case FD_PREAD -> read(args[0], room, args[3]);
                case FD_WRITE -> write(args[0], limited(inputs.get(0)), -1);
                case FD_PWRITE -> write(args[0], limited(inputs.get(0)), args[3]);
                case FD_CLOSE -> close(args[0]);
                case FD_SEEK -> seek(args[0], args[1], args[2]);
                case FD_TELL -> tell(args[0]);
                case FD_FDSTAT_GET -> fdstat(args[0]);
                case FD_FDSTAT_SET_FLAGS -> setFlags(args[0], args[1]);
                case FD_FILESTAT_GET -> WasiReply.fixed(filestat(statOf(args[0])));
                case PATH_FILESTAT_GET -> WasiReply.fixed(filestat(directory(args[0])
                        .stat(path(inputs.get(0)), (args[1] & LOOKUP_SYMLINK_FOLLOW) != 0)));
                case PATH_CREATE_DIRECTORY -> {
                    directory(args[0]).createDirectory(path(inputs.get(0)), DIRECTORY_MODE);
                    yield WasiReply.ok();
                }
                case PATH_REMOVE_DIRECTORY -> {
                    directory(args[0]).removeDirectory(path(inputs.get(0)));
                    yield WasiReply.ok();
                }
                case PATH_UNLINK_FILE -> {
                    directory(args[0]).removeFile(path(inputs.get(0)));
                    yield WasiReply.ok();
                }
                case PATH_RENAME -> {
                    directory(args[0]).rename(path(inputs.get(0)), directory(args[3]),
                            path(inputs.get(1)));
                    yield WasiReply.ok();
                }
                case FD_READDIR -> readdir(args[0], room, args[3]);
                case PATH_SYMLINK -> {
                    directory(args[2]).symlink(path(inputs.get(0)), path(inputs.get(1)));
                    yield WasiReply.ok();
                }
                case PATH_READLINK -> {
                    byte[] target = directory(args[0]).readlink(path(inputs.get(0)))
                            .getBytes(StandardCharsets.UTF_8);
                    yield WasiReply.variable(new byte[0],
                            Arrays.copyOf(target, Math.min(target.length, room)));
                }
                case FD_SYNC, FD_DATASYNC -> sync(args[0], call == WasiCall.FD_DATASYNC);
                case FD_RENUMBER -> renumber(args[0], args[1]);
                case CLOCK_RES_GET -> nanos(HostClocks.resolution(args[0]));
                case CLOCK_TIME_GET -> nanos(clocks.time(args[0]));
                case FD_ADVISE -> advise(args[0], args[3]);
                case FD_ALLOCATE -> {
                    file(args[0]);
                    throw refuse(WasiErrno.NOTSUP, "fd_allocate is not supported (as in wasmtime)");
                }
                case FD_FILESTAT_SET_SIZE -> {
                    writableFile(args[0]).file.setSize(args[1]);
                    yield WasiReply.ok();
                }
                case FD_FILESTAT_SET_TIMES -> {
                    FdEntry.File f = file(args[0]);
                    if (f.inReadOnlyTree) {
                        throw refuse(WasiErrno.ROFS, "fd " + args[0]
                                + " lies beneath a read-only directory");
                    }
                    // As futimens(2): a file opened only for reading may still get new times.
                    f.file.setTimes(args[1], args[2], (int) args[3]);
                    yield WasiReply.ok();
                }
                case POLL_ONEOFF -> PollOneoff.poll(inputs.get(0), fds, clocks);
                case FD_FDSTAT_SET_RIGHTS -> setRights(args[0], args[1], args[2]);
                case SOCK_ACCEPT -> accept(args[0], args[1]);
                case SOCK_RECV -> receive(args[0], room, args[3]);
                case SOCK_SEND -> send(args[0], limited(inputs.get(0)), args[3]);
                case SOCK_SHUTDOWN -> shutdown(args[0], args[1]);
                case PATH_LINK -> {
                    directory(args[0]).link(path(inputs.get(0)),
                            (args[1] & LOOKUP_SYMLINK_FOLLOW) != 0, directory(args[4]),
                            path(inputs.get(1)));
                    yield WasiReply.ok();
                }
                case PATH_FILESTAT_SET_TIMES -> {
                    directory(args[0]).setTimes(path(inputs.get(0)),
                            (args[1] & LOOKUP_SYMLINK_FOLLOW) != 0, args[4], args[5], (int) args[6]);
                    yield WasiReply.ok();
                }
            };
        } catch (FsException e) {
            return WasiReply.error(e.wasiErrno().code());
        } catch (IOException e) {
            return WasiReply.error(WasiErrno.IO.code());
        }
    }

    private byte[] limited(byte[] data) {
        return data.length <= limits.maxBytesPerRequest() ? data
                : Arrays.copyOf(data, limits.maxBytesPerRequest());
    }

    private static FsException refuse(WasiErrno errno, String why) {
        return new FsException(errno, 0, why);
    }

    /** The guest's path bytes as text; invalid UTF-8 is {@code ilseq}, not a lossy guess. */
    private static String path(byte[] utf8) throws FsException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(utf8)).toString();
        } catch (CharacterCodingException e) {
            throw refuse(WasiErrno.ILSEQ, "path is not valid UTF-8");
        }
    }

    private FdEntry entry(long fd) throws FsException {
        FdEntry e = fds.get(fd);
        if (e == null) {
            throw refuse(WasiErrno.BADF, "fd " + fd + " is not open");
        }
        return e;
    }

    private HostDirectory directory(long fd) throws FsException {
        return directoryEntry(fd).dir();
    }

    private FdEntry.Directory directoryEntry(long fd) throws FsException {
        return switch (entry(fd)) {
            case FdEntry.Directory d -> d;
            default -> throw refuse(WasiErrno.NOTDIR, "fd " + fd + " is not a directory");
        };
    }

    /** notcapable when fd_fdstat_set_rights dropped the right this call needs. */
    private static void requireRight(FdEntry e, long right, long fd, String what)
            throws FsException {
        if (!e.rights().has(right)) {
            throw refuse(WasiErrno.NOTCAPABLE, "fd " + fd + " has no " + what + " right");
        }
    }

    private FdEntry.File file(long fd) throws FsException {
        return switch (entry(fd)) {
            case FdEntry.File f -> f;
            case FdEntry.Directory d -> throw refuse(WasiErrno.ISDIR, "fd " + fd + " is a directory");
            default -> throw refuse(WasiErrno.SPIPE, "fd " + fd + " is a stream or socket");
        };
    }

    private FdEntry.Socket socket(long fd) throws FsException {
        if (!(entry(fd) instanceof FdEntry.Socket s)) {
            throw refuse(WasiErrno.NOTSOCK, "fd " + fd + " is not a socket");
        }
        return s;
    }

    /**
     * sock_accept: only the nonblock fdflag may be given (it becomes the new fd's); the new fd
     * counts against the fd limit, and a connection beyond it is accepted and closed (mfile).
     */
    private WasiReply accept(long fd, long flags) throws FsException {
        FdEntry.Socket listener = socket(fd);
        if (!listener.socket.isListener()) {
            throw refuse(WasiErrno.NOTSOCK, "fd " + fd + " is not a listening socket");
        }
        if ((flags & ~FDFLAG_NONBLOCK) != 0) {
            throw refuse(WasiErrno.INVAL, "sock_accept takes only the nonblock flag");
        }
        requireRight(listener, FdRights.SOCK_ACCEPT, fd, "sock_accept");
        HostSocket accepted = listener.socket.accept(!listener.nonblocking);
        return WasiReply.fixed(fdReply(add(new FdEntry.Socket(accepted,
                (flags & FDFLAG_NONBLOCK) != 0))));
    }

    /** sock_recv: peek and waitall only; roflags (a u16 in the fixed part) are always 0. */
    private WasiReply receive(long fd, int room, long riFlags) throws FsException {
        FdEntry.Socket s = socket(fd);
        if ((riFlags & ~(RECV_PEEK | RECV_WAITALL)) != 0) {
            throw refuse(WasiErrno.INVAL, "sock_recv takes only the peek and waitall flags");
        }
        requireRight(s, FdRights.FD_READ, fd, "fd_read");
        byte[] data = received(s, room, (riFlags & RECV_PEEK) != 0, (riFlags & RECV_WAITALL) != 0);
        return WasiReply.variable(new byte[2], data);
    }

    private static byte[] received(FdEntry.Socket s, int room, boolean peek, boolean waitAll)
            throws FsException {
        byte[] data = new byte[room];
        int n = s.socket.receive(data, peek, waitAll, !s.nonblocking);
        return Arrays.copyOf(data, n);
    }

    /** sock_send: no siflags are defined, so any is inval. */
    private WasiReply send(long fd, byte[] data, long siFlags) throws FsException {
        FdEntry.Socket s = socket(fd);
        if (siFlags != 0) {
            throw refuse(WasiErrno.INVAL, "sock_send takes no flags");
        }
        requireRight(s, FdRights.FD_WRITE, fd, "fd_write");
        return WasiReply.written(s.socket.send(data, !s.nonblocking));
    }

    /** sock_shutdown: rd (1), wr (2) or both; no direction or an unknown bit is inval. */
    private WasiReply shutdown(long fd, long how) throws FsException {
        FdEntry.Socket s = socket(fd);
        if (how == 0 || (how & ~(SDFLAG_RD | SDFLAG_WR)) != 0) {
            throw refuse(WasiErrno.INVAL, "sock_shutdown how " + how + " is not rd, wr or both");
        }
        requireRight(s, FdRights.SOCK_SHUTDOWN, fd, "sock_shutdown");
        s.socket.shutdown((how & SDFLAG_RD) != 0, (how & SDFLAG_WR) != 0);
        return WasiReply.ok();
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private WasiReply prestat(long fd) throws FsException {
        if (!(entry(fd) instanceof FdEntry.Directory d) || d.preopenName() == null) {
            throw refuse(WasiErrno.BADF, "fd " + fd + " is not a preopened directory");
        }
        ByteBuffer b = buffer(8);
        b.put(0, (byte) 0);                       // tag: dir
        b.putInt(4, d.preopenName().getBytes(StandardCharsets.UTF_8).length);
        return WasiReply.fixed(b.array());
    }

    private WasiReply prestatName(long fd, int capacity) throws FsException {
        if (!(entry(fd) instanceof FdEntry.Directory d) || d.preopenName() == null) {
            throw refuse(WasiErrno.BADF, "fd " + fd + " is not a preopened directory");
        }
        byte[] name = d.preopenName().getBytes(StandardCharsets.UTF_8);
        if (name.length > capacity) {
            throw refuse(WasiErrno.NAMETOOLONG, "buffer shorter than the preopen's name");
        }
        return WasiReply.variable(new byte[0], name);
    }

    private WasiReply open(long[] args, String path) throws FsException {
        FdEntry.Directory parent = directoryEntry(args[0]);
        HostDirectory dir = parent.dir();
        boolean follow = (args[1] & LOOKUP_SYMLINK_FOLLOW) != 0;
        long oflags = args[4];
        long rights = args[5];
        long fdflags = args[7];
        if ((oflags & ~(OFLAG_CREAT | OFLAG_DIRECTORY | OFLAG_EXCL | OFLAG_TRUNC)) != 0
                || (fdflags & ~(FDFLAG_APPEND | FDFLAG_DSYNC | FDFLAG_NONBLOCK | FDFLAG_RSYNC
                        | FDFLAG_SYNC)) != 0) {
            throw refuse(WasiErrno.INVAL, "unknown open flags");
        }
        if (fds.full()) {
            throw refuse(WasiErrno.MFILE, "the keep has " + limits.maxOpenFds() + " fds open");
        }
        boolean creates = (oflags & (OFLAG_CREAT | OFLAG_TRUNC)) != 0;
        boolean wantsDirectory = (oflags & OFLAG_DIRECTORY) != 0;
        if (wantsDirectory && creates) {
            throw refuse(WasiErrno.INVAL, "a directory cannot be created or truncated by path_open");
        }
        if (wantsDirectory && (rights & FdRights.FD_WRITE) != 0) {
            throw refuse(WasiErrno.ISDIR, "a directory cannot be opened for writing");
        }
        if ((oflags & OFLAG_TRUNC) != 0
                && !parent.rights().has(FdRights.PATH_FILESTAT_SET_SIZE)) {
            throw refuse(WasiErrno.NOTCAPABLE, "fd " + args[0]
                    + " has no path_filestat_set_size right: it cannot truncate");
        }
        boolean writable = (rights & FdRights.FD_WRITE) != 0 || (fdflags & FDFLAG_APPEND) != 0
                || (oflags & OFLAG_TRUNC) != 0;
        long inherited = parent.rights().inheriting();
        if (wantsDirectory || (!creates && !writable
                && dir.stat(path, follow).type() == FileType.DIRECTORY)) {
            HostDirectory sub = dir.openDirectory(path, follow);
            FdRights subRights = new FdRights(FdRights.DIRECTORY & inherited, inherited);
            return WasiReply.fixed(fdReply(add(new FdEntry.Directory(sub, null, subRights))));
        }
        boolean readable = (rights & (FdRights.FD_READ | RIGHT_FD_READDIR)) != 0 || !writable;
        Set<OpenOption> options = EnumSet.noneOf(OpenOption.class);
        if ((oflags & OFLAG_CREAT) != 0) {
            options.add(OpenOption.CREATE);
        }
        if ((oflags & OFLAG_EXCL) != 0) {
            options.add(OpenOption.EXCLUSIVE);
        }
        if ((oflags & OFLAG_TRUNC) != 0) {
            options.add(OpenOption.TRUNCATE);
        }
        if ((fdflags & FDFLAG_DSYNC) != 0) {
            options.add(OpenOption.DSYNC);
        }
        if ((fdflags & (FDFLAG_SYNC | FDFLAG_RSYNC)) != 0) {
            options.add(OpenOption.SYNC);
        }
        if (!follow) {
            options.add(OpenOption.NO_FOLLOW);
        }
        FileAccess access = readable && writable ? FileAccess.READ_WRITE
                : writable ? FileAccess.WRITE : FileAccess.READ;
        HostFile file = dir.openFile(path, access, options, FILE_MODE);
        long fileRights = FdRights.FILE & inherited
                & ~(readable ? 0 : FdRights.FD_READ) & ~(writable ? 0 : FdRights.FD_WRITE);
        FdEntry.File entry = new FdEntry.File(file, readable, writable,
                (fdflags & FDFLAG_APPEND) != 0, new FdRights(fileRights, 0),
                fdflags & ~FDFLAG_APPEND, dir.readOnly());
        return WasiReply.fixed(fdReply(add(entry)));
    }

    private int add(FdEntry entry) throws FsException {
        int fd = fds.add(entry);
        if (fd < 0) {
            entry.release();
            throw refuse(WasiErrno.MFILE, "the keep has " + limits.maxOpenFds() + " fds open");
        }
        return fd;
    }

    private static byte[] fdReply(int fd) {
        return buffer(4).putInt(0, fd).array();
    }

    private WasiReply read(long fd, int room, long offset) throws FsException, IOException {
        FdEntry e = entry(fd);
        if (e instanceof FdEntry.Input in) {
            if (offset >= 0) {
                throw refuse(WasiErrno.SPIPE, "stdin has no offsets");
            }
            requireRight(e, FdRights.FD_READ, fd, "fd_read");
            byte[] data = new byte[room];
            int n = room == 0 ? 0 : in.in().read(data, 0, room);
            return WasiReply.variable(new byte[0], Arrays.copyOf(data, Math.max(0, n)));
        }
        if (e instanceof FdEntry.Output) {
            throw refuse(WasiErrno.BADF, "fd " + fd + " is not readable");
        }
        if (e instanceof FdEntry.Socket s) {
            if (offset >= 0) {
                throw refuse(WasiErrno.SPIPE, "a socket has no offsets");
            }
            requireRight(e, FdRights.FD_READ, fd, "fd_read");
            return WasiReply.variable(new byte[0], received(s, room, false, false));
        }
        FdEntry.File f = file(fd);
        if (!f.readable) {
            throw refuse(WasiErrno.BADF, "fd " + fd + " was not opened for reading");
        }
        requireRight(f, FdRights.FD_READ, fd, "fd_read");
        long at = offset >= 0 ? offset : f.position;
        byte[] data = new byte[room];
        int n = room == 0 ? 0 : f.file.pread(data, at);
        if (offset < 0) {
            f.position += n;
        }
        return WasiReply.variable(new byte[0], Arrays.copyOf(data, n));
    }

    private WasiReply write(long fd, byte[] data, long offset) throws FsException, IOException {
        FdEntry e = entry(fd);
        if (e instanceof FdEntry.Output out) {
            if (offset >= 0) {
                throw refuse(WasiErrno.SPIPE, "a stream has no offsets");
            }
            requireRight(e, FdRights.FD_WRITE, fd, "fd_write");
            out.out().write(data);
            out.out().flush();
            return WasiReply.written(data.length);
        }
        if (e instanceof FdEntry.Input) {
            throw refuse(WasiErrno.BADF, "fd " + fd + " is not writable");
        }
        if (e instanceof FdEntry.Socket s) {
            if (offset >= 0) {
                throw refuse(WasiErrno.SPIPE, "a socket has no offsets");
            }
            requireRight(e, FdRights.FD_WRITE, fd, "fd_write");
            return WasiReply.written(s.socket.send(data, !s.nonblocking));
        }
        FdEntry.File f = file(fd);
        if (!f.writable) {
            throw refuse(WasiErrno.BADF, "fd " + fd + " was not opened for writing");
        }
        requireRight(f, FdRights.FD_WRITE, fd, "fd_write");
        long at = offset >= 0 ? offset : f.append ? f.file.stat().size() : f.position;
        int n = f.file.pwrite(data, at);
        if (offset < 0) {
            f.position = at + n;
        }
        return WasiReply.written(n);
    }

    private WasiReply close(long fd) throws FsException {
        FdEntry e = fds.remove(fd);
        if (e == null) {
            throw refuse(WasiErrno.BADF, "fd " + fd + " is not open");
        }
        e.release();
        return WasiReply.ok();
    }

    private WasiReply seek(long fd, long delta, long whence) throws FsException {
        FdEntry.File f = file(fd);
        if (whence < WHENCE_SET || whence > WHENCE_END) {
            throw refuse(WasiErrno.INVAL, "whence " + whence);
        }
        long base = switch ((int) whence) {
            case WHENCE_SET -> 0;
            case WHENCE_CUR -> f.position;
            case WHENCE_END -> f.file.stat().size();
            default -> throw refuse(WasiErrno.INVAL, "whence " + whence);
        };
        long target;
        try {
            target = Math.addExact(base, delta);
        } catch (ArithmeticException overflow) {
            throw refuse(WasiErrno.INVAL, "seek beyond 2^63");
        }
        if (target < 0) {
            throw refuse(WasiErrno.INVAL, "seek before the start of the file");
        }
        f.position = target;
        return WasiReply.fixed(buffer(8).putLong(0, target).array());
    }

    private WasiReply tell(long fd) throws FsException {
        return WasiReply.fixed(buffer(8).putLong(0, file(fd).position).array());
    }

    private WasiReply fdstat(long fd) throws FsException {
        FdEntry e = entry(fd);
        ByteBuffer b = buffer(24);
        FileType type = switch (e) {
            case FdEntry.Directory d -> FileType.DIRECTORY;
            case FdEntry.File f -> FileType.REGULAR_FILE;
            case FdEntry.Socket s -> FileType.SOCKET_STREAM;
            default -> FileType.CHARACTER_DEVICE;
        };
        b.put(0, (byte) type.code());
        long flags = switch (e) {
            case FdEntry.File f -> f.openFlags | (f.append ? FDFLAG_APPEND : 0);
            case FdEntry.Socket s -> s.nonblocking ? FDFLAG_NONBLOCK : 0;
            default -> 0;
        };
        b.putShort(2, (short) flags);
        b.putLong(8, e.rights().base());
        b.putLong(16, e.rights().inheriting());
        return WasiReply.fixed(b.array());
    }

    /**
     * Only append can change after open (it is the keep's own flag; see FdEntry.File); the other
     * flags must stay as they were given at open.
     */
    private WasiReply setFlags(long fd, long flags) throws FsException {
        if (entry(fd) instanceof FdEntry.Socket s) {
            // A socket's only flag is the keep's own nonblock (the host fd never blocks).
            if ((flags & ~FDFLAG_NONBLOCK) != 0) {
                throw refuse(WasiErrno.NOTSUP, "a socket takes only the nonblock flag");
            }
            requireRight(s, FdRights.FD_FDSTAT_SET_FLAGS, fd, "fd_fdstat_set_flags");
            s.nonblocking = flags == FDFLAG_NONBLOCK;
            return WasiReply.ok();
        }
        FdEntry.File f = file(fd);
        if ((flags & ~FDFLAG_APPEND) != f.openFlags) {
            throw refuse(WasiErrno.NOTSUP, "only the append flag can change after open");
        }
        f.append = flags == FDFLAG_APPEND;
        return WasiReply.ok();
    }

    /** Stat of an fd; the standard streams are character devices with nothing else known. */
    private FileStat statOf(long fd) throws FsException {
        return switch (entry(fd)) {
            case FdEntry.Directory d -> d.dir().stat();
            case FdEntry.File f -> f.file.stat();
            case FdEntry.Socket s -> new FileStat(0, 0, FileType.SOCKET_STREAM, 1, 0, 0, 0, 0, 0);
            default -> new FileStat(0, 0, FileType.CHARACTER_DEVICE, 1, 0, 0, 0, 0, 0);
        };
    }

    private static byte[] filestat(FileStat s) {
        ByteBuffer b = buffer(64);
        b.putLong(0, s.device());
        b.putLong(8, s.inode());
        b.put(16, (byte) s.type().code());
        b.putLong(24, s.linkCount());
        b.putLong(32, s.size());
        b.putLong(40, s.accessTimeNanos());
        b.putLong(48, s.modifyTimeNanos());
        b.putLong(56, s.changeTimeNanos());
        return b.array();
    }

    /**
     * Entries "." and "..", then the names in sorted order; the cookie is the index of the next
     * entry. The buffer is filled completely when more entries remain (the last one cut short),
     * so a result below the capacity means the end, as WASI specifies.
     */
    private WasiReply readdir(long fd, int room, long cookie) throws FsException {
        HostDirectory dir = directory(fd);
        List<String> names = new ArrayList<>(List.of(".", ".."));
        names.addAll(dir.list());
        ByteBuffer out = buffer(room);
        // A cookie is a u64: one above 2^63 arrives negative and, like any past the end, lists nothing.
        for (long i = cookie; i >= 0 && i < names.size() && out.position() < room; i++) {
            String name = names.get((int) i);
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            long inode = 0;
            FileType type = FileType.DIRECTORY;
            if (name.equals(".")) {
                inode = dir.stat().inode();
            } else if (!name.equals("..")) {
                try {
                    FileStat s = dir.stat(name, false);
                    inode = s.inode();
                    type = s.type();
                } catch (FsException gone) {
                    type = FileType.UNKNOWN;   // removed since the listing
                }
            }
            ByteBuffer entry = buffer(DIRENT_HEADER + bytes.length);
            entry.putLong(0, i + 1);
            entry.putLong(8, inode);
            entry.putInt(16, bytes.length);
            entry.put(20, (byte) type.code());
            entry.put(DIRENT_HEADER, bytes);
            entry.position(0);
            int take = Math.min(entry.capacity(), out.remaining());
            out.put(entry.array(), 0, take);
        }
        return WasiReply.variable(new byte[0], Arrays.copyOf(out.array(), out.position()));
    }

    /**
     * A file whose content may change. Files beneath a read-only directory were opened
     * read-only, so this also keeps set_size from writing through one.
     */
    private FdEntry.File writableFile(long fd) throws FsException {
        FdEntry.File f = file(fd);
        if (!f.writable) {
            throw refuse(WasiErrno.BADF, "fd " + fd + " was not opened for writing");
        }
        return f;
    }

    /** Advice is a hint (POSIX lets the system ignore it): checked, then nothing is done. */
    private WasiReply advise(long fd, long advice) throws FsException {
        file(fd);
        if (advice < 0 || advice > 5) {
            throw refuse(WasiErrno.INVAL, "advice " + advice + " is unknown");
        }
        return WasiReply.ok();
    }

    private WasiReply sync(long fd, boolean dataOnly) throws FsException {
        file(fd).file.sync(dataOnly);
        return WasiReply.ok();
    }

    private WasiReply renumber(long from, long to) throws FsException {
        entry(from);
        entry(to);
        fds.renumber((int) from, (int) to);
        return WasiReply.ok();
    }

    /**
     * fd_fdstat_set_rights: drops rights, never adds one (notcapable); badf for an fd that is not
     * open.
     */
    private WasiReply setRights(long fd, long base, long inheriting) {
        FdEntry e = fds.get(fd);
        if (e == null) {
            return WasiReply.error(WasiErrno.BADF.code());
        }
        return e.rights().narrowTo(base, inheriting) ? WasiReply.ok()
                : WasiReply.error(WasiErrno.NOTCAPABLE.code());
    }

    private static WasiReply nanos(long value) {
        return WasiReply.fixed(buffer(8).putLong(0, value).array());
    }

    /** Closes every descriptor the keep still holds. */
    @Override
    public void close() {
        fds.close();
    }
}
