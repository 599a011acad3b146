package dev.keep.sev.launch;

import java.util.Map;

/**
 * Names of the SEV firmware status codes KVM passes back in {@code kvm_sev_cmd.error}
 * ({@code sev_ret_code} in {@code <linux/psp-sev.h>}; 0x00-0x18 are in every header since SEV,
 * 0x19-0x27 are the SNP codes as in qemu's sync of the Linux 6.11+ header). Names drop the
 * {@code SEV_RET_} prefix.
 */
public final class SevFirmwareError {
    private SevFirmwareError() {
    }

    public static final int SUCCESS = 0x00;
    /** The firmware rejected a parameter; for a CPUID page it has written the values it expects back. */
    public static final int INVALID_PARAM = 0x16;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(0x00, "SUCCESS"),
            Map.entry(0x01, "INVALID_PLATFORM_STATE"),
            Map.entry(0x02, "INVALID_GUEST_STATE"),
            Map.entry(0x03, "INVALID_CONFIG"),
            Map.entry(0x04, "INVALID_LEN"),
            Map.entry(0x05, "ALREADY_OWNED"),
            Map.entry(0x06, "INVALID_CERTIFICATE"),
            Map.entry(0x07, "POLICY_FAILURE"),
            Map.entry(0x08, "INACTIVE"),
            Map.entry(0x09, "INVALID_ADDRESS"),
            Map.entry(0x0A, "BAD_SIGNATURE"),
            Map.entry(0x0B, "BAD_MEASUREMENT"),
            Map.entry(0x0C, "ASID_OWNED"),
            Map.entry(0x0D, "INVALID_ASID"),
            Map.entry(0x0E, "WBINVD_REQUIRED"),
            Map.entry(0x0F, "DFFLUSH_REQUIRED"),
            Map.entry(0x10, "INVALID_GUEST"),
            Map.entry(0x11, "INVALID_COMMAND"),
            Map.entry(0x12, "ACTIVE"),
            Map.entry(0x13, "HWSEV_RET_PLATFORM"),
            Map.entry(0x14, "HWSEV_RET_UNSAFE"),
            Map.entry(0x15, "UNSUPPORTED"),
            Map.entry(0x16, "INVALID_PARAM"),
            Map.entry(0x17, "RESOURCE_LIMIT"),
            Map.entry(0x18, "SECURE_DATA_INVALID"),
            Map.entry(0x19, "INVALID_PAGE_SIZE"),
            Map.entry(0x1A, "INVALID_PAGE_STATE"),
            Map.entry(0x1B, "INVALID_MDATA_ENTRY"),
            Map.entry(0x1C, "INVALID_PAGE_OWNER"),
            Map.entry(0x1D, "AEAD_OFLOW"),
            Map.entry(0x1F, "EXIT_RING_BUFFER"),
            Map.entry(0x20, "RMP_INIT_REQUIRED"),
            Map.entry(0x21, "BAD_SVN"),
            Map.entry(0x22, "BAD_VERSION"),
            Map.entry(0x23, "SHUTDOWN_REQUIRED"),
            Map.entry(0x24, "UPDATE_FAILED"),
            Map.entry(0x25, "RESTORE_REQUIRED"),
            Map.entry(0x26, "RMP_INITIALIZATION_FAILED"),
            Map.entry(0x27, "INVALID_KEY"));

    /** The code's name, or "UNKNOWN" for a code this table does not know. */
    public static String name(int code) {
        return NAMES.getOrDefault(code, "UNKNOWN");
    }

    /** "0x16 INVALID_PARAM": code and name, for one-line messages. */
    public static String describe(int code) {
        return String.format("%#04x %s", code, name(code));
    }

    /** Every code with a name, for the header check. */
    static Map<Integer, String> all() {
        return NAMES;
    }
}
