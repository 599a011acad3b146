package dev.keep.loader.kvm;

import dev.keep.loader.KeepException;
import dev.keep.loader.hostcall.HostcallDispatcher;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.wasi.fs.FsException;
import dev.keep.loader.wasi.host.KeepLimits;
import dev.keep.loader.wasi.host.LaunchFd;
import dev.keep.loader.wasi.host.LaunchFds;
import dev.keep.loader.wasi.host.LaunchStreams;
import dev.keep.loader.wasi.host.WasiCallHandler;
import dev.keep.shim.image.KeepImage;
import dev.keep.shim.link.KeepLinker;
import dev.keep.shim.link.LaunchConfig;
import dev.keep.shim.link.LinkException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * A launch made ready for a keep: the app compiled and linked into a {@link KeepImage} with its argv
 * and environment baked in (so they are part of what a launch measures), and the host side that will
 * answer its hostcalls, a {@link HostcallDispatcher} over a {@link WasiCallHandler} holding the
 * launch's streams, preopened directories and sockets (opened now, on the host). Whatever runs the
 * image (the KVM runner, or a test harness running its ring-3 code natively) takes both from here.
 *
 * @param image the keep image
 * @param host the keep's host side; it holds open descriptors until closed
 */
public record LinkedKeep(KeepImage image, HostcallDispatcher host) implements AutoCloseable {

    /**
     * How the app becomes an image: {@link KeepLinker#link} for a plain keep, {@link
     * KeepLinker#linkSnp} with the host's C-bit for an SEV-SNP keep.
     */
    @FunctionalInterface
    public interface ImageLinker {
        /** @throws LinkException (or IllegalArgumentException) when the app cannot become a keep */
        KeepImage link(byte[] wasm, LaunchConfig config);
    }

    /**
     * Links the app into a plain keep image (its code from {@link KeepCodeCache} when an earlier
     * start compiled it), then opens its files. Problems are one-line {@link
     * KeepException}s, and a failure closes every descriptor opened before it.
     */
    public static LinkedKeep of(KeepLaunch launch) {
        return of(launch, line -> { });
    }

    /** As {@link #of(KeepLaunch)}; {@code verbose} is told where the machine code came from. */
    public static LinkedKeep of(KeepLaunch launch, Consumer<String> verbose) {
        return of(launch, (wasm, config) -> KeepLinker.link(wasm, config,
                KeepCodeCache.forUser().forApp(launch.app(), verbose)));
    }

    /** As {@link #of(KeepLaunch)}, with the image linked by {@code linker}. */
    public static LinkedKeep of(KeepLaunch launch, ImageLinker linker) {
        KeepImage image = link(launch, linker);
        LaunchStreams streams = LaunchStreams.of(launch.files(), launch.streams());
        // Sockets are opened here; from now on they are closed by whoever fails, or by the handler.
        List<LaunchFd> opened = LaunchFds.open(launch.files());
        WasiCallHandler wasi;
        try {
            wasi = new WasiCallHandler(streams.stdin(), streams.stdout(), streams.stderr(), opened,
                    KeepLimits.DEFAULT);
        } catch (FsException e) {
            throw new KeepException(launch.app().path() + ": cannot preopen a directory: "
                    + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new KeepException(launch.app().path() + ": " + e.getMessage(), e);
        }
        // The dispatcher writes batched stdout and stderr where fds 1 and 2 are bound.
        return new LinkedKeep(image, new HostcallDispatcher(streams.stdout(), streams.stderr(), wasi));
    }

    private static KeepImage link(KeepLaunch launch, ImageLinker linker) {
        List<String> argv = launch.argv();
        try {
            LaunchConfig config = new LaunchConfig(argv.getFirst(), argv.subList(1, argv.size()),
                    new LinkedHashMap<>(launch.env()), LaunchConfig.DEFAULT_MEMORY_PAGES);
            return linker.link(launch.app().bytes(), config);
        } catch (LinkException | IllegalArgumentException e) {
            throw new KeepException(launch.app().path() + ": cannot build a keep image: "
                    + oneLine(e.getMessage()), e);
        }
    }

    private static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\R\\s*", " ");
    }

    /** Closes every host descriptor the keep holds. */
    @Override
    public void close() {
        host.close();
    }
}
