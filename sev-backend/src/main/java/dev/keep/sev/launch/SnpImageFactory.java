package dev.keep.sev.launch;

import dev.keep.shim.image.KeepImage;

/**
 * Builds the SEV-SNP keep image for a C-bit position: whatever links the app calls
 * {@code KeepImageBuilder.snp(cBitPosition)} with the position the host's CPUID reports
 * ({@link SnpHost}), which only the launch knows.
 */
@FunctionalInterface
public interface SnpImageFactory {
    KeepImage build(int cBitPosition);
}
