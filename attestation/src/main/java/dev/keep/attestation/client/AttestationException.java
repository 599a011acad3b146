package dev.keep.attestation.client;

import java.util.List;

/**
 * The service refused or failed a request, or could not be reached. {@link #status()} is the HTTP status (0 when
 * no answer came); {@link #reasons()} lists the failed checks of a refusal (status 403).
 */
public final class AttestationException extends Exception {
    private final int status;
    private final List<String> reasons;

    public AttestationException(int status, String message, List<String> reasons) {
        super(message);
        this.status = status;
        this.reasons = List.copyOf(reasons);
    }

    public int status() {
        return status;
    }

    public List<String> reasons() {
        return reasons;
    }

    /** True when the service considered the evidence and said no. */
    public boolean refused() {
        return status == 403;
    }
}
