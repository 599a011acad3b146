package dev.keep.loader.nil;

import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.wasi.host.LaunchFd;
import dev.keep.loader.wasi.host.LaunchFds;
import dev.keep.loader.wasi.host.LaunchStreams;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Expresses a launch's file descriptors as what Keep's WASI host takes: the three streams, then
 * from fd 3 on Keep.toml's directories and sockets in order ({@link LaunchFds}: the sockets are
 * opened here, on the host, before the app starts).
 */
final class WasiBindingBuilder {
    private WasiBindingBuilder() {}

    /** The binding; its sockets are open, and the caller hands them to a handler or closes them. */
    static WasiBinding build(KeepLaunch launch) {
        LaunchStreams streams = LaunchStreams.of(launch.files(), launch.streams());
        return new WasiBinding(streams.stdin(), streams.stdout(), streams.stderr(),
                LaunchFds.open(launch.files()));
    }

    /**
     * The binding of a launch whose fds from 3 on were opened elsewhere (the jailed runner
     * receives them from its supervisor); only entries 0..2 of its files are read.
     */
    static WasiBinding build(KeepLaunch launch, List<LaunchFd> opened) {
        try {
            LaunchStreams streams = LaunchStreams.of(launch.files(), launch.streams());
            return new WasiBinding(streams.stdin(), streams.stdout(), streams.stderr(), opened);
        } catch (RuntimeException e) {
            LaunchFds.closeSockets(opened);
            throw e;
        }
    }

    /** The app's standard streams and its directories and sockets (fd 3 onwards). */
    record WasiBinding(InputStream stdin, OutputStream stdout, OutputStream stderr,
            List<LaunchFd> launchFds) {}
}
