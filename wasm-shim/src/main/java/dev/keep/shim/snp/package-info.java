/**
 * Keep code for AMD SEV-SNP, emitted with {@link dev.keep.shim.asm.Assembler}: AES-256-GCM on AES-NI
 * and PCLMULQDQ, the SNP guest request for an attestation report (VMPCK0, sequence numbers), the
 * CPUID-page lookup and C-bit position, GHCB registration over the MSR protocol and the #VC handler
 * for CPUID and doorbell I/O, which also serves the payload's attestation requests
 * ({@link dev.keep.shim.snp.AttestationCall}, the Wasm import {@code keep.attestation_report}) with
 * the guest request and its GHCB exchange. {@link dev.keep.shim.snp.SnpLayout} holds every layout they share with
 * Java code. {@code dev.keep.shim.image.SnpRing0Code} assembles them into an SNP keep image.
 */
package dev.keep.shim.snp;
