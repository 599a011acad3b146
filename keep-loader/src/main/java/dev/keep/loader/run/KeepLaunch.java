package dev.keep.loader.run;

import dev.keep.loader.config.FileEntry;
import dev.keep.loader.wasm.AppModule;
import java.util.List;
import java.util.Map;

/**
 * Everything a backend needs to start one app: the module, its argv and environment, its file
 * descriptors, and the host streams that stdin/stdout/stderr entries refer to.
 *
 * @param app the validated module
 * @param argv the full argument vector, argv[0] included
 * @param env environment variables in order
 * @param files file descriptors in fd order (entry 0 is fd 0)
 * @param streams the host's standard streams
 */
public record KeepLaunch(AppModule app, List<String> argv, Map<String, String> env, List<FileEntry> files,
        HostStreams streams) {
    public KeepLaunch {
        argv = List.copyOf(argv);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        files = List.copyOf(files);
    }

    /** The same launch with {@code file} as the next file descriptor. */
    public KeepLaunch withFile(FileEntry file) {
        List<FileEntry> more = new java.util.ArrayList<>(files);
        more.add(file);
        return new KeepLaunch(app, argv, env, more, streams);
    }
}
