package dev.keep.shim.link;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * What the app is launched with. All of it is baked into the image's data region (argv and the
 * environment as WASI hands them out, the trap messages that name the app), so it is part of the
 * bytes an SEV-SNP launch measures: two launches with different arguments or environment have
 * different launch digests, and an attestation verifier sees exactly what the app was started with.
 *
 * @param appName argv[0] (as `keep run` does: the module's file name); also names the app in the
 *     one-line trap message
 * @param args argv[1..]
 * @param env environment variables, handed out as {@code KEY=VALUE} in this map's order
 * @param memoryPages how many 64 KiB pages of linear memory the keep commits: memory.grow succeeds
 *     up to this (or the module's declared maximum, whichever is lower); a module whose initial
 *     memory is larger gets its initial size
 */
public record LaunchConfig(String appName, List<String> args, SequencedMap<String, String> env,
        int memoryPages) {
    /** Default committed linear memory: 16 MiB. */
    public static final int DEFAULT_MEMORY_PAGES = 256;

    public LaunchConfig {
        if (appName == null || args == null || env == null) {
            throw new IllegalArgumentException("launch config: app name, args and env are required");
        }
        if (memoryPages < 0 || memoryPages > 65536) {
            throw new IllegalArgumentException("launch config: memory pages must be 0..65536, got "
                    + memoryPages);
        }
        for (String key : env.keySet()) {
            if (key.isEmpty() || key.indexOf('=') >= 0 || key.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("launch config: invalid environment name '" + key + "'");
            }
        }
        args = List.copyOf(args);
        env = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(env));
    }

    public static LaunchConfig of(String appName, String... args) {
        return new LaunchConfig(appName, List.of(args), new LinkedHashMap<>(), DEFAULT_MEMORY_PAGES);
    }

    public LaunchConfig withEnv(Map<String, String> variables) {
        LinkedHashMap<String, String> merged = new LinkedHashMap<>(env);
        merged.putAll(variables);
        return new LaunchConfig(appName, args, merged, memoryPages);
    }

    /** argv as the app sees it: the app name, then the arguments. */
    public List<String> argv() {
        List<String> argv = new ArrayList<>();
        argv.add(appName);
        argv.addAll(args);
        return argv;
    }

    /** The environment as {@code KEY=VALUE} strings. */
    public List<String> environ() {
        List<String> environ = new ArrayList<>();
        env.forEach((k, v) -> environ.add(k + "=" + v));
        return environ;
    }
}
