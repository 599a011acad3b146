package dev.keep.bench.wasiio;

import java.util.List;

/** What one engine gave: timings, or the reason it could not run here. */
sealed interface EngineResult {
    String label();

    /**
     * @param best per loop, the fastest timed run
     * @param wallMillis whole-process wall time of each timed run, start to exit; empty for in-process engines
     */
    record Measured(String label, AppReport best, List<Double> wallMillis) implements EngineResult {}

    /** @param reason the engine's own words for why it cannot run on this machine */
    record Unavailable(String label, String reason) implements EngineResult {}
}
