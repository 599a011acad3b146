package dev.keep.loader.run;

import dev.keep.loader.config.FileEntry;
import dev.keep.loader.config.KeepConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an operator asks for: an app, a backend, a Keep.toml, and command-line additions. The
 * additions merge over the config the way wasmtime's flags do: {@code --env} replaces a variable of
 * the same name, {@code --dir} adds preopened directories after those of Keep.toml, and extra
 * arguments follow Keep.toml's {@code args}.
 */
public record RunRequest(Path app, String backend, KeepConfig config, List<String> extraArgs,
        Map<String, String> extraEnv, List<FileEntry.Dir> extraDirs, HostStreams streams) {

    public RunRequest {
        extraArgs = List.copyOf(extraArgs);
        extraEnv = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extraEnv));
        extraDirs = List.copyOf(extraDirs);
    }

    /** A request with Keep.toml defaults and no additions. */
    public static RunRequest of(Path app, String backend, HostStreams streams) {
        return new RunRequest(app, backend, KeepConfig.defaults(), List.of(), Map.of(), List.of(), streams);
    }

    public RunRequest withConfig(KeepConfig newConfig) {
        return new RunRequest(app, backend, newConfig, extraArgs, extraEnv, extraDirs, streams);
    }

    public RunRequest withArgs(List<String> args) {
        return new RunRequest(app, backend, config, args, extraEnv, extraDirs, streams);
    }

    public RunRequest withEnv(Map<String, String> env) {
        return new RunRequest(app, backend, config, extraArgs, env, extraDirs, streams);
    }

    public RunRequest withDirs(List<FileEntry.Dir> dirs) {
        return new RunRequest(app, backend, config, extraArgs, extraEnv, dirs, streams);
    }

    List<String> argv(String programName) {
        List<String> argv = new ArrayList<>();
        argv.add(programName);
        argv.addAll(config.args());
        argv.addAll(extraArgs);
        return argv;
    }

    Map<String, String> mergedEnv() {
        Map<String, String> env = new LinkedHashMap<>(config.env());
        env.putAll(extraEnv);
        return env;
    }

    List<FileEntry> mergedFiles() {
        List<FileEntry> files = new ArrayList<>(config.files());
        files.addAll(extraDirs);
        return files;
    }
}
