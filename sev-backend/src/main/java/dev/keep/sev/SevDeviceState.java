package dev.keep.sev;

import java.util.Optional;

/**
 * What the probe learned from /dev/sev: whether it exists and opens, and the SNP platform status
 * when it could be read. {@code problem} is empty when everything that was tried worked.
 */
public record SevDeviceState(boolean exists, boolean opened, Optional<SnpPlatformStatus> snpStatus,
                             Optional<String> problem) {
}
