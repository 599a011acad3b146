package dev.keep.attestation.protocol;

/**
 * Evidence a client sends to the attestation service: an SEV-SNP report with its certificates
 * ({@link EvidenceFiles}), or a statement from a backend without a hardware root ({@link SoftwareEvidence}), which
 * the service accepts only where its policy explicitly allows software evidence.
 */
public sealed interface ClientEvidence permits EvidenceFiles, SoftwareEvidence {}
