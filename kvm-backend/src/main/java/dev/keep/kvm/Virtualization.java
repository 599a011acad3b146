package dev.keep.kvm;

/** What kind of KVM this host offers, as far as the probe can tell. */
public enum Virtualization {
    /** kvm_amd or kvm_intel (or a CPU with svm/vmx): guests run on hardware virtualization. */
    HARDWARE("hardware"),
    /** kvm_pvm: guest ring 0 is emulated, ring 3 runs natively (see nested-kvm-notes.md). */
    NESTED_PVM("nested-pvm"),
    /** No KVM flavour is present. */
    NONE("none");

    private final String label;

    Virtualization(String label) {
        this.label = label;
    }

    /** The word used by {@code keep platform info}: hardware, nested-pvm or none. */
    public String label() {
        return label;
    }
}
