package dev.keep.attestation.report;

/** Byte layout of an 8-byte TCB_VERSION; it differs between generations. */
public enum TcbLayout {
    /** Milan and Genoa: byte 0 boot loader, 1 TEE, 6 SNP, 7 microcode; bytes 2-5 reserved. */
    LEGACY,
    /** Turin: byte 0 FMC, 1 boot loader, 2 TEE, 3 SNP, 7 microcode; bytes 4-6 reserved. */
    TURIN
}
