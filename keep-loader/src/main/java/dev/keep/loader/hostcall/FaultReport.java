package dev.keep.loader.hostcall;

/**
 * An exception the keep took, as its ring-0 stub recorded it.
 *
 * @param count faults recorded so far (more than 1: a fault hit while reporting one)
 */
public record FaultReport(int vector, long errorCode, long rip, long cs, long rflags, long rsp,
        long ss, long cr2, long count) {

    private static final String[] NAMES = {
        "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
        "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
        "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
        "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
        "#MF x87 floating point", "#AC alignment check", "#MC machine check",
        "#XM SIMD floating point", "#VE virtualization", "#CP control protection",
        "reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26", "reserved 27",
        "#HV hypervisor injection", "#VC VMM communication", "#SX security", "reserved 31",
    };

    /** "#PF page fault" etc. */
    public static String vectorName(int vector) {
        return vector >= 0 && vector < NAMES.length ? NAMES[vector] : "vector " + vector;
    }

    /** One line for the user, naming vector and RIP (and the address for page faults). */
    public String describe() {
        StringBuilder s = new StringBuilder(String.format("keep faulted: %s (vector %d) at rip %#x",
                vectorName(vector), vector, rip));
        s.append(String.format(", error code %#x", errorCode));
        if (vector == 14) {
            s.append(String.format(", address %#x", cr2));
        }
        if ((cs & 3) == 0) {
            s.append(", in ring 0");
        }
        if (count > 1) {
            s.append(String.format(" (%d nested faults)", count));
        }
        return s.toString();
    }
}
