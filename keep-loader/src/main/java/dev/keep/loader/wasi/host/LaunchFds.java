package dev.keep.loader.wasi.host;

import dev.keep.loader.KeepException;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.net.HostSocket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Keep.toml's entries from fd 3 on as {@link LaunchFd}s, the sockets opened now, on the host,
 * before the app starts: {@code listen} is socket + SO_REUSEADDR + bind + listen (backlog 128),
 * {@code connect} resolves the name and connects within 10 seconds. A failure is one line naming
 * the entry, e.g. {@code Keep.toml fd 3 (listen 127.0.0.1:8080): Address already in use}, and
 * closes whatever was opened before it.
 */
public final class LaunchFds {
    /** Connections that may wait to be accepted. */
    static final int LISTEN_BACKLOG = 128;
    /** How long a {@code connect} entry may take to connect. */
    static final long CONNECT_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int FIRST = 3;

    private LaunchFds() {}

    /** Entries 3.. of {@code files}; anything but dir, listen and connect there is refused. */
    public static List<LaunchFd> open(List<FileEntry> files) {
        List<LaunchFd> opened = new ArrayList<>();
        try {
            for (int fd = FIRST; fd < files.size(); fd++) {
                FileEntry entry = files.get(fd);
                opened.add(switch (entry) {
                    case FileEntry.Dir dir -> new Preopen(dir.guest(), dir.host(), dir.readOnly());
                    case FileEntry.Listen l -> listen(fd, l);
                    case FileEntry.Connect c -> connect(fd, c);
                    default -> throw new KeepException("Keep.toml fd " + fd + " (" + entry.kind()
                            + "): after fds 0..2 only dir, listen and connect entries are provided");
                });
            }
            return opened;
        } catch (RuntimeException e) {
            closeSockets(opened);
            throw e;
        }
    }

    /** Closes the sockets among {@code fds} (for a caller that will not hand them to a keep). */
    public static void closeSockets(List<? extends LaunchFd> fds) {
        for (LaunchFd fd : fds) {
            if (fd instanceof LaunchSocket s) {
                s.socket().close();
            }
        }
    }

    /**
     * Opens the socket of a {@code listen} or {@code connect} entry at position {@code fd}.
     *
     * @throws KeepException (one line) when it cannot be opened
     * @throws IllegalArgumentException when the entry is no socket
     */
    public static LaunchSocket openSocket(int fd, FileEntry entry) {
        return switch (entry) {
            case FileEntry.Listen l -> listen(fd, l);
            case FileEntry.Connect c -> connect(fd, c);
            default -> throw new IllegalArgumentException(entry.kind() + " is not a socket entry");
        };
    }

    private static LaunchSocket listen(int fd, FileEntry.Listen entry) {
        String what = "listen " + shown(entry.addr(), entry.port());
        try {
            // The parser accepted only an IP literal, so this does not look anything up.
            InetAddress address = InetAddress.getByName(entry.addr());
            return new LaunchSocket(HostSocket.listen(address, entry.port(), LISTEN_BACKLOG), what);
        } catch (UnknownHostException e) {
            throw failed(fd, what, "not an IP address", e);
        } catch (FsException e) {
            throw failed(fd, what, reason(e), e);
        }
    }

    private static LaunchSocket connect(int fd, FileEntry.Connect entry) {
        String what = "connect " + shown(entry.addr(), entry.port());
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(entry.addr());
        } catch (UnknownHostException e) {
            throw failed(fd, what, "unknown host", e);
        }
        // Each address of the name in turn, all within the one timeout.
        long deadline = System.nanoTime() + CONNECT_TIMEOUT_NANOS;
        FsException last = null;
        for (InetAddress address : addresses) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                return new LaunchSocket(HostSocket.connect(address, entry.port(), left), what);
            } catch (FsException e) {
                last = e;
            }
        }
        throw failed(fd, what, last == null ? "Connection timed out" : reason(last), last);
    }

    private static String reason(FsException e) {
        return e.hostErrno() != 0 ? dev.keep.kvm.Libc.strerror(e.hostErrno()) : e.getMessage();
    }

    private static KeepException failed(int fd, String what, String reason, Exception cause) {
        return new KeepException("Keep.toml fd " + fd + " (" + what + "): " + reason, cause);
    }

    private static String shown(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
