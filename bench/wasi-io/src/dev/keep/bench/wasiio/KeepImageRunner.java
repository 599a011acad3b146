package dev.keep.bench.wasiio;

import java.util.List;

/**
 * Runs the app linked into a keep image and counts its hostcalls. Implemented in usermode/, which
 * run.sh compiles separately (it needs keep-loader's test harness), so the driver loads it by name.
 */
interface KeepImageRunner {
    /** @param stderr the app's stderr; @param hostcalls doorbells the keep rang, one per hostcall */
    record Outcome(String stderr, long hostcalls) {}

    /** Runs the app with {@code appArgs} (after argv[0]) over the workload's work directory. */
    Outcome run(Workload work, List<String> appArgs) throws Exception;
}
