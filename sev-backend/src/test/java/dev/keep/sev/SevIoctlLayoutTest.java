package dev.keep.sev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.testsupport.CProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The /dev/sev constants and struct layouts against the documented values (sev-snp.md §1.5) and,
 * compiled with gcc, against the system's {@code <linux/psp-sev.h>}. Older headers (before Linux
 * 6.11) have no SNP commands: then only their SEV part is compared with the header and the SNP part
 * with the documented values.
 */
class SevIoctlLayoutTest {

    private static final Path HEADER = Path.of("/usr/include/linux/psp-sev.h");

    @Test
    void documentedValues() {
        assertEquals(0xC0105300L, SevIoctl.SEV_ISSUE_CMD);
        assertEquals(16, SevIoctl.ISSUE_CMD_SIZE);
        assertEquals(0, SevIoctl.ISSUE_CMD_OFFSET_CMD);
        assertEquals(4, SevIoctl.ISSUE_CMD_OFFSET_DATA);
        assertEquals(12, SevIoctl.ISSUE_CMD_OFFSET_ERROR);
        assertEquals(1, SevIoctl.SEV_PLATFORM_STATUS);
        assertEquals(8, SevIoctl.SEV_GET_ID2);
        assertEquals(9, SevIoctl.SNP_PLATFORM_STATUS);
        assertEquals(10, SevIoctl.SNP_COMMIT);
        assertEquals(11, SevIoctl.SNP_SET_CONFIG);
        assertEquals(12, SevIoctl.SNP_VLEK_LOAD);
        assertEquals(12, SevIoctl.SEV_STATUS_SIZE);
        assertEquals(32, SevIoctl.SNP_STATUS_SIZE);
        assertEquals(3, SevIoctl.SNP_STATUS_OFFSET_RMP_FLAGS);
        assertEquals(4, SevIoctl.SNP_STATUS_OFFSET_BUILD_ID);
        assertEquals(8, SevIoctl.SNP_STATUS_OFFSET_FEATURE_FLAGS);
        assertEquals(0xC, SevIoctl.SNP_STATUS_OFFSET_GUEST_COUNT);
        assertEquals(0x10, SevIoctl.SNP_STATUS_OFFSET_CURRENT_TCB);
        assertEquals(0x18, SevIoctl.SNP_STATUS_OFFSET_REPORTED_TCB);
    }

    @Test
    void matchesTheSystemHeader(@TempDir Path dir) throws Exception {
        assertTrue(Files.exists(HEADER), HEADER + " is needed for this check (package linux-libc-dev)");
        boolean headerHasSnp = Files.readString(HEADER).contains("sev_user_data_snp_status");
        Map<String, Long> c = compileAndRun(dir, headerHasSnp);

        assertEquals(c.get("SEV_ISSUE_CMD"), SevIoctl.SEV_ISSUE_CMD);
        assertEquals(c.get("sizeof_issue_cmd"), (long) SevIoctl.ISSUE_CMD_SIZE);
        assertEquals(c.get("off_cmd"), (long) SevIoctl.ISSUE_CMD_OFFSET_CMD);
        assertEquals(c.get("off_data"), (long) SevIoctl.ISSUE_CMD_OFFSET_DATA);
        assertEquals(c.get("off_error"), (long) SevIoctl.ISSUE_CMD_OFFSET_ERROR);
        assertEquals(c.get("SEV_FACTORY_RESET"), (long) SevIoctl.SEV_FACTORY_RESET);
        assertEquals(c.get("SEV_PLATFORM_STATUS"), (long) SevIoctl.SEV_PLATFORM_STATUS);
        assertEquals(c.get("SEV_PEK_GEN"), (long) SevIoctl.SEV_PEK_GEN);
        assertEquals(c.get("SEV_PEK_CSR"), (long) SevIoctl.SEV_PEK_CSR);
        assertEquals(c.get("SEV_PDH_GEN"), (long) SevIoctl.SEV_PDH_GEN);
        assertEquals(c.get("SEV_PDH_CERT_EXPORT"), (long) SevIoctl.SEV_PDH_CERT_EXPORT);
        assertEquals(c.get("SEV_PEK_CERT_IMPORT"), (long) SevIoctl.SEV_PEK_CERT_IMPORT);
        assertEquals(c.get("SEV_GET_ID"), (long) SevIoctl.SEV_GET_ID);
        assertEquals(c.get("SEV_GET_ID2"), (long) SevIoctl.SEV_GET_ID2);
        assertEquals(c.get("sizeof_status"), (long) SevIoctl.SEV_STATUS_SIZE);
        assertEquals(c.get("off_status_state"), (long) SevIoctl.SEV_STATUS_OFFSET_STATE);
        assertEquals(c.get("off_status_flags"), (long) SevIoctl.SEV_STATUS_OFFSET_FLAGS);
        assertEquals(c.get("off_status_build"), (long) SevIoctl.SEV_STATUS_OFFSET_BUILD);
        assertEquals(c.get("off_status_guest_count"), (long) SevIoctl.SEV_STATUS_OFFSET_GUEST_COUNT);
        if (headerHasSnp) {
            assertEquals(c.get("SNP_PLATFORM_STATUS"), (long) SevIoctl.SNP_PLATFORM_STATUS);
            assertEquals(c.get("sizeof_snp_status"), (long) SevIoctl.SNP_STATUS_SIZE);
            assertEquals(c.get("off_snp_build_id"), (long) SevIoctl.SNP_STATUS_OFFSET_BUILD_ID);
            assertEquals(c.get("off_snp_guest_count"), (long) SevIoctl.SNP_STATUS_OFFSET_GUEST_COUNT);
            assertEquals(c.get("off_snp_current_tcb"), (long) SevIoctl.SNP_STATUS_OFFSET_CURRENT_TCB);
            assertEquals(c.get("off_snp_reported_tcb"), (long) SevIoctl.SNP_STATUS_OFFSET_REPORTED_TCB);
        } else {
            // This header predates SNP (the system's is from before Linux 6.11); the documented
            // values are checked in documentedValues().
            assertTrue(c.get("SEV_GET_ID2") < SevIoctl.SNP_PLATFORM_STATUS,
                    "SNP commands follow the SEV ones in the same enum");
        }
    }

    private static Map<String, Long> compileAndRun(Path dir, boolean withSnp) {
        String snpPart = """
                    P(SNP_PLATFORM_STATUS);
                    printf("sizeof_snp_status %zu\\n", sizeof(struct sev_user_data_snp_status));
                    printf("off_snp_build_id %zu\\n", offsetof(struct sev_user_data_snp_status, build_id));
                    printf("off_snp_guest_count %zu\\n", offsetof(struct sev_user_data_snp_status, guest_count));
                    printf("off_snp_current_tcb %zu\\n", offsetof(struct sev_user_data_snp_status, current_tcb_version));
                    printf("off_snp_reported_tcb %zu\\n", offsetof(struct sev_user_data_snp_status, reported_tcb_version));
                """;
        String program = """
                #include <stdio.h>
                #include <stddef.h>
                #include <linux/ioctl.h>   /* psp-sev.h uses _IOWR without including it */
                #include <linux/psp-sev.h>
                #define P(x) printf(#x " %lu\\n", (unsigned long)(x))
                int main(void) {
                    P(SEV_ISSUE_CMD);
                    printf("sizeof_issue_cmd %zu\\n", sizeof(struct sev_issue_cmd));
                    printf("off_cmd %zu\\n", offsetof(struct sev_issue_cmd, cmd));
                    printf("off_data %zu\\n", offsetof(struct sev_issue_cmd, data));
                    printf("off_error %zu\\n", offsetof(struct sev_issue_cmd, error));
                    P(SEV_FACTORY_RESET); P(SEV_PLATFORM_STATUS); P(SEV_PEK_GEN); P(SEV_PEK_CSR); P(SEV_PDH_GEN);
                    P(SEV_PDH_CERT_EXPORT); P(SEV_PEK_CERT_IMPORT); P(SEV_GET_ID); P(SEV_GET_ID2);
                    printf("sizeof_status %zu\\n", sizeof(struct sev_user_data_status));
                    printf("off_status_state %zu\\n", offsetof(struct sev_user_data_status, state));
                    printf("off_status_flags %zu\\n", offsetof(struct sev_user_data_status, flags));
                    printf("off_status_build %zu\\n", offsetof(struct sev_user_data_status, build));
                    printf("off_status_guest_count %zu\\n", offsetof(struct sev_user_data_status, guest_count));
                """ + (withSnp ? snpPart : "") + """
                    return 0;
                }
                """;
        Map<String, Long> values = new HashMap<>();
        CProgram.keyValues(dir, "layout", program).forEach((key, value) -> values.put(key, Long.parseUnsignedLong(value)));
        return values;
    }
}
