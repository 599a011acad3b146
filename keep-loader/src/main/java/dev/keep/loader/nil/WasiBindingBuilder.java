package dev.keep.loader.nil;

import com.dylibso.chicory.wasi.WasiOptions;
import dev.keep.loader.KeepException;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.KeepLaunch;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Expresses a launch's argv, environment and file descriptors as Chicory WASI options. Chicory
 * numbers preopened directories from fd 3 in the order they are added, which matches Keep.toml's
 * fd order because the nil backend accepts only directories after the three streams.
 */
final class WasiBindingBuilder {
    private static final int FIRST_PREOPEN_FD = 3;

    private WasiBindingBuilder() {}

    static WasiBinding build(KeepLaunch launch) {
        WasiOptions.Builder options = WasiOptions.builder()
                .withArguments(launch.argv())
                .withThrowOnExit0(true);
        launch.env().forEach(options::withEnvironment);

        List<FileEntry> files = launch.files();
        boolean tty = launch.streams().terminal();
        options.withStdin(inputFor(files.get(0), launch), tty);
        options.withStdout(outputFor(files.get(1), launch), tty);
        options.withStderr(outputFor(files.get(2), launch), tty);

        List<Integer> readOnlyFds = new ArrayList<>();
        for (int fd = FIRST_PREOPEN_FD; fd < files.size(); fd++) {
            FileEntry entry = files.get(fd);
            if (!(entry instanceof FileEntry.Dir dir)) {
                throw new KeepException("the nil backend cannot provide fd " + fd + " (" + entry.kind()
                        + "): it supports only preopened directories; sockets need the kvm backend");
            }
            options.withDirectory(dir.guest(), dir.host());
            if (dir.readOnly()) {
                readOnlyFds.add(fd);
            }
        }
        return new WasiBinding(options.build(), readOnlyFds);
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

    /** The options plus the fds of read-only preopened directories. */
    record WasiBinding(WasiOptions options, List<Integer> readOnlyFds) {}
}
