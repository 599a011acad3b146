package dev.keep.loader.wasi.host;

import dev.keep.loader.KeepException;
import dev.keep.loader.config.FileEntry;
import dev.keep.loader.run.HostStreams;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * What an app's fds 0, 1 and 2 are bound to, from Keep.toml's first three entries: the host's
 * standard streams (fd 1 may be bound to the host's stderr and fd 2 to its stdout) or the null
 * device. The nil and kvm backends bind them the same way.
 */
public record LaunchStreams(InputStream stdin, OutputStream stdout, OutputStream stderr) {

    /** The streams of {@code files}' entries 0..2 over {@code host}. */
    public static LaunchStreams of(List<FileEntry> files, HostStreams host) {
        if (files.size() < 3) {
            throw new KeepException("the app's files must start with fds 0, 1 and 2, got " + files.size()
                    + " entries");
        }
        return new LaunchStreams(inputFor(files.get(0), host), outputFor(files.get(1), host),
                outputFor(files.get(2), host));
    }

    private static InputStream inputFor(FileEntry entry, HostStreams host) {
        return switch (entry) {
            case FileEntry.Stdin s -> host.in();
            case FileEntry.Null n -> InputStream.nullInputStream();
            default -> throw new KeepException("fd 0 cannot be " + entry.kind());
        };
    }

    private static OutputStream outputFor(FileEntry entry, HostStreams host) {
        return switch (entry) {
            case FileEntry.Stdout s -> host.out();
            case FileEntry.Stderr s -> host.err();
            case FileEntry.Null n -> OutputStream.nullOutputStream();
            default -> throw new KeepException("fd 1 and 2 cannot be " + entry.kind());
        };
    }
}
