package dev.keep.loader.hostcall;

/**
 * A mailbox the host refuses. The keep that sent it is terminated with this message.
 *
 * @param message one line naming the field and the bad value
 */
public record Rejection(String message) implements MailboxDecision {
}
