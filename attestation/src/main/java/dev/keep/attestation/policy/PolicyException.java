package dev.keep.attestation.policy;

/** A policy file or value is invalid; the message is one line naming the problem. */
public final class PolicyException extends Exception {
    public PolicyException(String message) {
        super(message);
    }
}
