package dev.keep.loader.nil;

import dev.keep.loader.KeepException;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.wasi.host.LaunchFd;
import dev.keep.loader.wasi.host.LaunchFds;
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
        List<FileEntry> files = launch.files();
        InputStream stdin = inputFor(files.get(0), launch);
        OutputStream stdout = outputFor(files.get(1), launch);
        OutputStream stderr = outputFor(files.get(2), launch);
        return new WasiBinding(stdin, stdout, stderr, LaunchFds.open(files));
    }

    /**
     * The binding of a launch whose fds from 3 on were opened elsewhere (the jailed runner
     * receives them from its supervisor); only entries 0..2 of its files are read.
     */
    static WasiBinding build(KeepLaunch launch, List<LaunchFd> opened) {
        List<FileEntry> files = launch.files();
        try {
            return new WasiBinding(inputFor(files.get(0), launch), outputFor(files.get(1), launch),
                    outputFor(files.get(2), launch), opened);
        } catch (RuntimeException e) {
            LaunchFds.closeSockets(opened);
            throw e;
        }
    }

    private static InputStream inputFor(FileEntry entry, KeepLaunch launch) {
        return switch (entry) {
            case FileEntry.Stdin s -> launch.streams().in();
            case FileEntry.Null n -> InputStream.nullInputStream();
            default -> throw new KeepException("fd 0 cannot be " + entry.kind());
        };
    }

    private static OutputStream outputFor(FileEntry entry, KeepLaunch launch) {
        return switch (entry) {
            case FileEntry.Stdout s -> launch.streams().out();
            case FileEntry.Stderr s -> launch.streams().err();
            case FileEntry.Null n -> OutputStream.nullOutputStream();
            default -> throw new KeepException("fd 1 and 2 cannot be " + entry.kind());
        };
    }

    /** The app's standard streams and its directories and sockets (fd 3 onwards). */
    record WasiBinding(InputStream stdin, OutputStream stdout, OutputStream stderr,
            List<LaunchFd> launchFds) {}
}
