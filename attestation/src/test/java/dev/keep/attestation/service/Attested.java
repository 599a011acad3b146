package dev.keep.attestation.service;

import dev.keep.attestation.client.AttestationClient;
import dev.keep.attestation.protocol.EvidenceFiles;
import dev.keep.attestation.protocol.KeyBinding;
import java.security.KeyPair;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a guest sends after the challenge round: evidence whose REPORT_DATA binds a nonce fresh from the service and
 * a key, and that nonce. The report is signed by the {@link SyntheticSnp} test hierarchy.
 */
record Attested(EvidenceFiles evidence, byte[] nonce) {
    Optional<byte[]> nonceField() {
        return Optional.of(nonce);
    }

    /** Asks {@code client} for a challenge and binds its nonce with {@code key} the way {@code binding} says. */
    static Attested fresh(SyntheticSnp snp, AttestationClient client, KeyPair key, KeyBinding binding,
            Consumer<byte[]> change) throws Exception {
        byte[] nonce = client.challenge().nonce();
        return new Attested(snp.evidence(snp.report(binding.reportData(nonce, key.getPublic().getEncoded()),
                change)), nonce);
    }

    static Attested fresh(SyntheticSnp snp, AttestationClient client, KeyPair key) throws Exception {
        return fresh(snp, client, key, KeyBinding.SHA512, r -> { });
    }
}
