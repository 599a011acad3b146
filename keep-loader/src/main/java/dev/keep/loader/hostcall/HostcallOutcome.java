package dev.keep.loader.hostcall;

/** What the VMM does after a doorbell. */
public sealed interface HostcallOutcome {

    /** The request was served and its reply written: resume the vCPU. */
    record Resume() implements HostcallOutcome {
    }

    /** The keep asked to end with this status. */
    record Exited(int status) implements HostcallOutcome {
    }

    /** The keep broke the ABI; tear it down and report the message. */
    record Terminated(String message) implements HostcallOutcome {
    }
}
