package dev.keep.attestation.service;

import dev.keep.attestation.protocol.SoftwareEvidence;
import dev.keep.attestation.verify.Evidence;

/** The {@code evidence} object of a request, read but not yet verified: an SNP report or software evidence. */
sealed interface SubmittedEvidence {
    /** A report with optional certificates and CRLs. */
    record Snp(Evidence evidence) implements SubmittedEvidence {}

    /** Evidence without a hardware root, from the nil or kvm backend. */
    record Software(SoftwareEvidence evidence) implements SubmittedEvidence {}
}
