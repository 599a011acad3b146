package dev.keep.sev;

import java.util.List;

/**
 * Whether one of SEV, SEV-ES, SEV-SNP can be used to launch guests on this host, and if not, every
 * reason found (each one line, in the order checked).
 */
public record FeatureStatus(String feature, boolean available, List<String> reasons) {
    public FeatureStatus {
        reasons = List.copyOf(reasons);
        if (available != reasons.isEmpty()) {
            throw new IllegalArgumentException("a feature is available exactly when no reason says otherwise");
        }
    }

    /** All reasons joined with "; ", or "available". */
    public String summary() {
        return available ? feature + ": available" : feature + ": unavailable: " + String.join("; ", reasons);
    }
}
