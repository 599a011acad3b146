package dev.keep.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Starts a process and measures its whole wall time, start to exit, from this JVM. */
final class ProcessRunner {
    private ProcessRunner() {
    }

    /** The process's first stdout line and the wall time; a non-zero exit is an error. */
    static ProcessResult run(List<String> command) {
        try {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int code = p.waitFor();
            double millis = (System.nanoTime() - start) / 1e6;
            if (code != 0) {
                throw new IllegalStateException("exit " + code + " from " + String.join(" ", command));
            }
            return new ProcessResult(out.lines().reduce((a, b) -> b).orElse(""), millis);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Last stdout line and whole-process wall time. */
    record ProcessResult(String lastLine, double millis) {
        long firstNumber() {
            return Long.parseLong(lastLine.split("\\s+")[0]);
        }
    }
}
