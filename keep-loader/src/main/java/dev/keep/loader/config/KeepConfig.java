package dev.keep.loader.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated Keep.toml: what the app is given (argv after argv[0], environment, file descriptors)
 * and how the keep proves itself ({@code [attestation]}). Immutable; every value has been checked.
 *
 * @param source the file it was read from, or empty for the built-in default
 * @param args arguments passed after argv[0]
 * @param env environment variables, in file order
 * @param files file descriptors in fd order: entry 0 is fd 0, and so on
 * @param attestation the {@code [attestation]} section, when present
 * @param sev the {@code [sev]} section: guest policy, host_data and ID block of an SEV-SNP launch
 *     ({@link SevConfig#defaults()} without one)
 */
public record KeepConfig(
        Optional<Path> source,
        List<String> args,
        Map<String, String> env,
        List<FileEntry> files,
        Optional<AttestationConfig> attestation,
        SevConfig sev) {

    public KeepConfig {
        args = List.copyOf(args);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        files = List.copyOf(files);
        if (sev == null) {
            throw new IllegalArgumentException("a Keep.toml model needs its [sev] settings (SevConfig.defaults() without a section)");
        }
    }

    /** What an app gets with no Keep.toml: no extra args, no env, the host's three standard streams. */
    public static KeepConfig defaults() {
        return new KeepConfig(Optional.empty(), List.of(), Map.of(), FileEntry.STANDARD_STREAMS, Optional.empty(),
                SevConfig.defaults());
    }
}
