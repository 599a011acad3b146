package dev.keep.sev;

/**
 * The /dev/sev user API (Linux include/uapi/linux/psp-sev.h): the one ioctl, its command ids and the
 * layouts of the packed structures this module uses. Checked against the system's header in tests.
 */
public final class SevIoctl {
    private SevIoctl() {
    }

    /** Linux _IOC encoding: dir(2) | size(14) | type(8) | nr(8). */
    static long iowr(char type, int nr, int size) {
        long readWrite = 3L;
        return (readWrite << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }

    /** {@code struct sev_issue_cmd { u32 cmd; u64 data; u32 error; } __packed}. */
    public static final int ISSUE_CMD_SIZE = 16;
    public static final int ISSUE_CMD_OFFSET_CMD = 0;
    public static final int ISSUE_CMD_OFFSET_DATA = 4;
    public static final int ISSUE_CMD_OFFSET_ERROR = 12;

    /** {@code SEV_ISSUE_CMD = _IOWR('S', 0x0, struct sev_issue_cmd)} = 0xC0105300. */
    public static final long SEV_ISSUE_CMD = iowr('S', 0, ISSUE_CMD_SIZE);

    // Command ids (the anonymous enum in psp-sev.h).
    public static final int SEV_FACTORY_RESET = 0;
    public static final int SEV_PLATFORM_STATUS = 1;
    public static final int SEV_PEK_GEN = 2;
    public static final int SEV_PEK_CSR = 3;
    public static final int SEV_PDH_GEN = 4;
    public static final int SEV_PDH_CERT_EXPORT = 5;
    public static final int SEV_PEK_CERT_IMPORT = 6;
    public static final int SEV_GET_ID = 7;
    public static final int SEV_GET_ID2 = 8;
    public static final int SNP_PLATFORM_STATUS = 9;
    public static final int SNP_COMMIT = 10;
    public static final int SNP_SET_CONFIG = 11;
    public static final int SNP_VLEK_LOAD = 12;

    /** {@code struct sev_user_data_status} (packed, 12 bytes), answer to SEV_PLATFORM_STATUS. */
    public static final int SEV_STATUS_SIZE = 12;
    public static final int SEV_STATUS_OFFSET_API_MAJOR = 0;
    public static final int SEV_STATUS_OFFSET_API_MINOR = 1;
    public static final int SEV_STATUS_OFFSET_STATE = 2;
    public static final int SEV_STATUS_OFFSET_FLAGS = 3;
    public static final int SEV_STATUS_OFFSET_BUILD = 7;
    public static final int SEV_STATUS_OFFSET_GUEST_COUNT = 8;

    /** {@code struct sev_user_data_snp_status} (packed, 32 bytes), answer to SNP_PLATFORM_STATUS. */
    public static final int SNP_STATUS_SIZE = 32;
    public static final int SNP_STATUS_OFFSET_API_MAJOR = 0;
    public static final int SNP_STATUS_OFFSET_API_MINOR = 1;
    public static final int SNP_STATUS_OFFSET_STATE = 2;
    /** Bit 0: is_rmp_initialized. */
    public static final int SNP_STATUS_OFFSET_RMP_FLAGS = 3;
    public static final int SNP_STATUS_OFFSET_BUILD_ID = 4;
    /** Bits: 0 mask_chip_id, 1 mask_chip_key, 2 vlek_en, 3 feature_info, 4 rapl_dis, 5/6 ciphertext hiding cap/en. */
    public static final int SNP_STATUS_OFFSET_FEATURE_FLAGS = 8;
    public static final int SNP_STATUS_OFFSET_GUEST_COUNT = 12;
    public static final int SNP_STATUS_OFFSET_CURRENT_TCB = 16;
    public static final int SNP_STATUS_OFFSET_REPORTED_TCB = 24;
}
