package dev.keep.loader.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code [attestation]} section: where the keep sends its evidence and which policy applies.
 *
 * @param url the attestation service (http or https)
 * @param policy a policy file, resolved against Keep.toml's folder, when given
 */
public record AttestationConfig(URI url, Optional<Path> policy) {}
