package dev.keep.attestation.cert;

/** The place of a certificate in AMD's SEV-SNP hierarchy, told by its common name. */
public enum AmdRole {
    /** AMD Root Key, CN "ARK-&lt;product&gt;", self-signed. */
    ARK,
    /** AMD SEV signing key, CN "SEV-&lt;product&gt;", signs VCEKs. */
    ASK,
    /** AMD SEV VLEK signing key, CN "SEV-VLEK-&lt;product&gt;", signs VLEKs. */
    ASVK,
    /** Chip endorsement key, CN "SEV-VCEK". */
    VCEK,
    /** Cloud-provider endorsement key, CN "SEV-VLEK". */
    VLEK,
    /** Anything else. */
    UNKNOWN
}
