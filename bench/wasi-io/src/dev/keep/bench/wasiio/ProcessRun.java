package dev.keep.bench.wasiio;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Starts a process with stdout on /dev/null, keeps its stderr, and times it from start to exit. */
final class ProcessRun {
    private static final long TIMEOUT_SECONDS = 120;

    /** @param stderr what the process wrote on stderr; @param wallMillis start to exit */
    record Finished(String stderr, double wallMillis) {}

    private ProcessRun() {
    }

    static Finished run(List<String> command, Map<String, String> env) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(env);
        try {
            long start = System.nanoTime();
            Process p = builder.start();
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p));
            // No run takes more than a few seconds; a hung one must not hang the benchmark.
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("no exit after " + TIMEOUT_SECONDS + " s: " + String.join(" ", command));
            }
            int code = p.exitValue();
            double millis = (System.nanoTime() - start) / 1e6;
            String stderr = new String(err.join(), StandardCharsets.UTF_8);
            if (code != 0) {
                throw new IllegalStateException("exit " + code + " from " + String.join(" ", command) + ": "
                        + stderr.strip());
            }
            return new Finished(stderr, millis);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static byte[] readAll(Process p) {
        try {
            return p.getErrorStream().readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("reading stderr: " + e.getMessage(), e);
        }
    }
}
