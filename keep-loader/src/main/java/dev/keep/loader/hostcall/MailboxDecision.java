package dev.keep.loader.hostcall;

/** What the host made of a mailbox: a well-formed request, or a rejection saying why not. */
public sealed interface MailboxDecision permits HostcallRequest, Rejection {
}
