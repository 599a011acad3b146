package dev.keep.loader.backend;

import java.util.Arrays;
import java.util.Optional;

/** The backends a keep can run on, in the order {@code --backend auto} prefers them. */
public enum BackendKind {
    /** A KVM guest encrypted and measured by AMD SEV-SNP, with hardware attestation. */
    SEV_SNP("sev-snp"),
    /** A KVM guest: hardware isolation, no memory encryption, no hardware root for attestation. */
    KVM("kvm"),
    /** In-process on Chicory: for development only, no isolation at all. */
    NIL("nil");

    private final String cliName;

    BackendKind(String cliName) {
        this.cliName = cliName;
    }

    /** The name used on the command line and in output. */
    public String cliName() {
        return cliName;
    }

    public static Optional<BackendKind> byCliName(String name) {
        return Arrays.stream(values()).filter(k -> k.cliName.equals(name)).findFirst();
    }
}
