package dev.keep.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a test checks a run leaves behind on the host: this process's open descriptors and whether
 * a loopback port is free again, plus free ports to start servers on.
 */
public final class HostResources {
    private HostResources() {}

    /** This process's descriptors and what they refer to, except the one listing them. */
    public static Map<Integer, String> openFds() {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path entry : entries.toList()) {
                try {
                    String target = Files.readSymbolicLink(entry).toString();
                    if (!target.matches("/proc/\\d+/fd")) {
                        fds.put(Integer.parseInt(entry.getFileName().toString()), target);
                    }
                } catch (IOException closedMeanwhile) {
                    // The listing's own descriptor, closed by the time it is read.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
        return fds;
    }

    /** A loopback port nothing listened on a moment ago (the caller binds it; a race is very unlikely). */
    public static int freeLoopbackPort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /** Throws when a socket (of a keep that should have closed it) still listens on the port. */
    public static void assertPortFree(int port) throws IOException {
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        }
    }
}
