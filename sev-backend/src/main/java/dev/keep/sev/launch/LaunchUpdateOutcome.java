package dev.keep.sev.launch;

/** What one KVM_SEV_SNP_LAUNCH_UPDATE call achieved. */
public sealed interface LaunchUpdateOutcome {

    /** KVM processed the first {@code pages} pages of the update (all of them, or a prefix). */
    record Done(long pages) implements LaunchUpdateOutcome {
    }

    /**
     * The firmware rejected a CPUID page (EIO with firmware status INVALID_PARAM) and wrote the
     * values it accepts into the page, which KVM copied back to the source buffer.
     *
     * @param returned the update's source bytes after the call: the corrected CPUID page(s)
     */
    record CpuidRejected(byte[] returned) implements LaunchUpdateOutcome {
        public CpuidRejected {
            returned = returned.clone();
        }

        @Override
        public byte[] returned() {
            return returned.clone();
        }
    }
}
