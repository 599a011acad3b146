package dev.keep.loader.kvm;

import dev.keep.loader.hostcall.FaultReport;
import dev.keep.loader.run.RunResult;
import java.time.Duration;

/** How a keep run on KVM ended. Every variant carries what the user needs in one line. */
public sealed interface KeepOutcome {

    /** One line describing the outcome. */
    String describe();

    /** What a backend reports for this outcome: the exit status, or why the keep stopped. */
    default RunResult toRunResult() {
        return switch (this) {
            case Exited exited -> new RunResult.Exited(exited.status());
            case Faulted faulted -> new RunResult.Trapped("the keep faulted: " + faulted.describe());
            case Terminated terminated -> new RunResult.Trapped("the keep stopped: " + terminated.describe());
            case TimedOut timedOut -> new RunResult.Trapped(timedOut.describe());
        };
    }

    /** The keep asked to exit with this status. */
    record Exited(int status) implements KeepOutcome {
        @Override
        public String describe() {
            return "keep exited with status " + status;
        }
    }

    /** An exception reached the keep's IDT and its stub reported it. */
    record Faulted(FaultReport report) implements KeepOutcome {
        @Override
        public String describe() {
            return report.describe();
        }
    }

    /** The keep broke the hostcall ABI or left the VM in a way a keep never should. */
    record Terminated(String message) implements KeepOutcome {
        @Override
        public String describe() {
            return message;
        }
    }

    /** The wall-clock limit passed; the vCPU was stopped. */
    record TimedOut(Duration limit) implements KeepOutcome {
        @Override
        public String describe() {
            return "keep stopped: still running after the " + limit.toMillis() + " ms limit";
        }
    }
}
