package dev.keep.loader.link;

import dev.keep.loader.KeepException;
import dev.keep.loader.backend.Availability;
import dev.keep.loader.backend.Backend;
import dev.keep.loader.backend.BackendKind;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.loader.hostcall.HostcallOutcome;
import dev.keep.loader.hostcall.UserModeKeep;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.run.RunResult;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.LaunchFd;
import dev.keep.loader.wasi.host.LaunchFds;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import dev.keep.shim.link.LinkException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The kvm backend's stand-in on a machine without /dev/kvm: the app is compiled and linked into a
 * keep image with its argv and environment baked in (as the kvm backend does), and the image's
 * ring-3 code runs natively ({@link UserModeKeep}) with the real dispatcher and WASI handler
 * answering, over the launch's standard streams, preopened directories and sockets. What the keep's own
 * code does is exercised as on kvm; only the ring-0 stubs are not.
 */
final class NativeKeepBackend implements Backend {
    @Override
    public BackendKind kind() {
        return BackendKind.KVM;
    }

    @Override
    public Availability availability() {
        return Availability.available("ring 3 run natively by the user-mode harness (no /dev/kvm here)");
    }

    @Override
    public RunResult run(KeepLaunch launch) {
        List<String> argv = launch.argv();
        LaunchConfig config = new LaunchConfig(argv.getFirst(), argv.subList(1, argv.size()),
                new LinkedHashMap<>(launch.env()), LaunchConfig.DEFAULT_MEMORY_PAGES);
        KeepImage image;
        try {
            image = KeepLinker.link(launch.app().bytes(), config);
        } catch (LinkException e) {
            throw new KeepException(e.getMessage(), e);
        }
        WasiCallHandler files;
        try {
            files = new WasiCallHandler(launch.streams().in(), launch.streams().out(),
                    launch.streams().err(), launchFds(launch.files()), KeepLimits.DEFAULT);
        } catch (FsException e) {
            throw new KeepException("cannot preopen: " + e.getMessage());
        }
        try (HostcallDispatcher host = new HostcallDispatcher(launch.streams().out(),
                launch.streams().err(), files)) {
            UserModeKeep.Result result = UserModeKeep.run(image, host, mailbox -> { });
            if (result.fault() != null) {
                return new RunResult.Trapped("the keep's code faulted natively: " + result.fault());
            }
            if (result.outcome() instanceof HostcallOutcome.Exited exited) {
                return new RunResult.Exited(exited.status());
            }
            return new RunResult.Trapped("the keep stopped: " + result.outcome());
        } catch (IOException e) {
            throw new KeepException("user-mode harness: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeepException("interrupted");
        }
    }

    /**
     * fds 0..2 must be the standard streams, as the suite asks; later fds are directories and
     * sockets, opened as the nil backend opens them.
     */
    private static List<LaunchFd> launchFds(List<FileEntry> files) {
        for (int fd = 0; fd < Math.min(3, files.size()); fd++) {
            FileEntry file = files.get(fd);
            boolean standard = switch (fd) {
                case 0 -> file instanceof FileEntry.Stdin;
                case 1 -> file instanceof FileEntry.Stdout;
                default -> file instanceof FileEntry.Stderr;
            };
            if (!standard) {
                throw new KeepException("fd " + fd + ": the native keep runs only the standard streams"
                        + " there, not " + file.kind());
            }
        }
        return LaunchFds.open(files);
    }
}
