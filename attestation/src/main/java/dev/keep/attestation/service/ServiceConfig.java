package dev.keep.attestation.service;

import dev.keep.attestation.policy.VerificationPolicy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything service.toml says, with relative paths already resolved against the file's folder. Build it with
 * {@link ServiceConfigLoader}; tests may also build it directly.
 *
 * @param host address to listen on
 * @param port port to listen on; 0 picks a free one
 * @param maxBodyBytes requests with larger bodies are refused with 413
 * @param verifyPolicy policy of the verify endpoint when the request names no profile
 * @param challenges lifetime and bound of the nonces handed out by POST /v1/challenge
 */
public record ServiceConfig(String host, int port, int maxBodyBytes, Optional<Tls> tls, Ca ca, Kds kds,
        Path auditLog, VerificationPolicy verifyPolicy, Challenges challenges, Map<String, Profile> profiles,
        Map<String, Secret> secrets) {
    public ServiceConfig {
        profiles = Map.copyOf(profiles);
        secrets = Map.copyOf(secrets);
    }

    /** TLS server key and certificate chain: PEM files, or a PKCS#12 keystore with its password. */
    public record Tls(Optional<Path> certificatePem, Optional<Path> keyPem, Optional<Path> pkcs12,
            Optional<String> password) {}

    /** The issuing CA: PEM certificate and key, or (for trying the service out) a key made at start. */
    public record Ca(Optional<Path> certificatePem, Optional<Path> keyPem, boolean ephemeral) {}

    /** Whether missing VCEKs, chains and CRLs are fetched from AMD KDS, from where, and cached where. */
    public record Kds(boolean fetch, URI url, Path cache) {}

    /** How long a challenge nonce is accepted, and how many may be outstanding at once. */
    public record Challenges(Duration lifetime, int maxOutstanding) {}

    /**
     * An issuance profile: the policy a report must meet and what the certificate looks like. Unless
     * {@code requireNonce} is false, REPORT_DATA must bind a fresh challenge nonce along with the key.
     */
    public record Profile(String name, VerificationPolicy policy, boolean requireNonce, Duration validity,
            Optional<String> subject, List<String> dnsNames) {
        public Profile {
            dnsNames = List.copyOf(dnsNames);
        }
    }

    /** A releasable secret, the policy a report must meet to get it, and whether a challenge nonce is required. */
    public record Secret(String name, byte[] value, VerificationPolicy policy, boolean requireNonce) {
        public Secret {
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public String toString() {
            return "Secret[" + name + ", " + value.length + " bytes]"; // never print the value
        }
    }
}
