package dev.keep.loader.nil;

import dev.keep.loader.KeepException;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.KeepLaunch;
import dev.keep.loader.wasi.host.Preopen;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Expresses a launch's file descriptors as what Keep's WASI host takes: the three streams and the
 * preopened directories, which it numbers from fd 3 in order, matching Keep.toml's fd order
 * because the nil backend accepts only directories after the three streams.
 */
final class WasiBindingBuilder {
    private static final int FIRST_PREOPEN_FD = 3;

    private WasiBindingBuilder() {}

    static WasiBinding build(KeepLaunch launch) {
        List<FileEntry> files = launch.files();
        List<Preopen> preopens = new ArrayList<>();
        for (int fd = FIRST_PREOPEN_FD; fd < files.size(); fd++) {
            FileEntry entry = files.get(fd);
            if (!(entry instanceof FileEntry.Dir dir)) {
                throw new KeepException("the nil backend cannot provide fd " + fd + " (" + entry.kind()
                        + "): it supports only preopened directories; sockets need the kvm backend");
            }
            preopens.add(new Preopen(dir.guest(), dir.host(), dir.readOnly()));
        }
        return new WasiBinding(inputFor(files.get(0), launch), outputFor(files.get(1), launch),
                outputFor(files.get(2), launch), preopens);
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

    /** The app's standard streams and its preopened directories (fd 3 onwards). */
    record WasiBinding(InputStream stdin, OutputStream stdout, OutputStream stderr,
            List<Preopen> preopens) {}
}
