package dev.keep.loader.jail;

import dev.keep.loader.ExitCodes;
import dev.keep.loader.KeepException;

/**
 * The jailed runner ended without the app ending: killed by seccomp, the OOM killer or another
 * signal, or gone without a word. The message is the supervisor's one line; {@link #exitStatus()} is
 * what {@code keep run} exits with (128 + the signal, as a shell reports a killed child).
 */
public final class JailEndedException extends KeepException {
    private final transient RunnerEnd end;

    JailEndedException(RunnerEnd end) {
        super("jail: " + end.describe());
        this.end = end;
    }

    public RunnerEnd end() {
        return end;
    }

    public int exitStatus() {
        return switch (end) {
            case RunnerEnd.SeccompKilled s -> 128 + Signals.SIGSYS;
            case RunnerEnd.OomKilled o -> 128 + Signals.SIGKILL;
            case RunnerEnd.Signalled s -> 128 + s.signal();
            default -> ExitCodes.KEEP_ERROR;
        };
    }
}
