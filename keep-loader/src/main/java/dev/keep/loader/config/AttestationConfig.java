package dev.keep.loader.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code [attestation]} section: where the keep sends its evidence, what it asks for, and where the app finds
 * what it got. {@code keep run} obtains the certificate and secrets before the app starts and presents them as a
 * read-only directory at {@code guestDir}: {@code cert.pem} (chain, leaf first), {@code key.pem} (the keep's
 * private key, PKCS#8) and {@code secrets/NAME}.
 *
 * @param url the attestation service (http or https); it decides by its own policy, which the keep cannot change
 * @param profile the issuance profile to ask a certificate from, if any
 * @param secrets names of the secrets to ask for, in file order, without duplicates
 * @param guestDir the guest path of the read-only directory the app reads them from
 * @param trust PEM certificates to trust for the service's TLS instead of the system CAs, when given
 */
public record AttestationConfig(URI url, Optional<String> profile, List<String> secrets,
        String guestDir, Optional<Path> trust) {
    /** Where the app finds its certificate, key and secrets unless Keep.toml says otherwise. */
    public static final String DEFAULT_GUEST_DIR = "/keep/attestation";

    public AttestationConfig {
        secrets = List.copyOf(secrets);
    }
}
