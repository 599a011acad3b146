package dev.keep.sev.launch;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keep.kvm.KvmConstants;
import dev.keep.kvm.KvmIoctl;
import dev.keep.kvm.KvmStructs;
import dev.keep.sev.measure.PageType;
import dev.keep.testsupport.CProgram;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SNP launch sub-command ids, struct layouts and firmware status codes against the system's
 * headers, compiled with gcc, where the headers have them, and against the documented values
 * (sev-snp.md §1.3) where they do not. This machine's headers are Linux 6.1: they have
 * {@code struct kvm_sev_cmd}, the SEV command ids up to KVM_SEV_SEND_CANCEL and the SEV firmware
 * codes up to 0x18, but no INIT2 or SNP launch structs. For those the C program declares the
 * structs from sev-snp.md §1.3 itself, so gcc still applies the real C layout rules, and the
 * result is also held to the documented sizes and offsets. With 6.11+ headers the header's own
 * definitions are used automatically (the switch is {@code KVM_X86_SNP_VM}, defined with them).
 */
class SnpLaunchAbiTest {

    /** sev-snp.md §1.3, transcribed as C; used only when the headers lack the SNP launch API. */
    private static final String DOCUMENTED_STRUCTS = """
            struct doc_kvm_sev_init { __u64 vmsa_features; __u32 flags; __u16 ghcb_version; __u16 pad1;
                __u32 pad2[8]; };
            struct doc_kvm_sev_snp_launch_start { __u64 policy; __u8 gosvw[16]; __u16 flags; __u8 pad0[6];
                __u64 pad1[4]; };
            struct doc_kvm_sev_snp_launch_update { __u64 gfn_start; __u64 uaddr; __u64 len; __u8 type;
                __u8 pad0; __u16 flags; __u32 pad1; __u64 pad2[4]; };
            struct doc_kvm_sev_snp_launch_finish { __u64 id_block_uaddr; __u64 id_auth_uaddr;
                __u8 id_block_en; __u8 auth_key_en; __u8 vcek_disabled; __u8 host_data[32]; __u8 pad0[3];
                __u16 flags; __u64 pad1[4]; };
            """;

    /** Sizes and offsets written out in sev-snp.md §1.3 (the comments of the declarations). */
    private static final Map<String, Long> DOCUMENTED = Map.ofEntries(
            Map.entry("sizeof kvm_sev_cmd", 24L),
            Map.entry("offsetof kvm_sev_cmd.data", 8L),
            Map.entry("offsetof kvm_sev_cmd.error", 0x10L),
            Map.entry("offsetof kvm_sev_cmd.sev_fd", 0x14L),
            Map.entry("sizeof kvm_sev_init", 48L),
            Map.entry("sizeof kvm_sev_snp_launch_start", 64L),
            Map.entry("offsetof kvm_sev_snp_launch_start.gosvw", 0x08L),
            Map.entry("offsetof kvm_sev_snp_launch_start.flags", 0x18L),
            Map.entry("sizeof kvm_sev_snp_launch_update", 64L),
            Map.entry("offsetof kvm_sev_snp_launch_update.uaddr", 0x08L),
            Map.entry("offsetof kvm_sev_snp_launch_update.len", 0x10L),
            Map.entry("offsetof kvm_sev_snp_launch_update.type", 0x18L),
            Map.entry("offsetof kvm_sev_snp_launch_update.flags", 0x1AL),
            Map.entry("sizeof kvm_sev_snp_launch_finish", 88L),
            Map.entry("offsetof kvm_sev_snp_launch_finish.id_auth_uaddr", 0x08L),
            Map.entry("offsetof kvm_sev_snp_launch_finish.id_block_en", 0x10L),
            Map.entry("offsetof kvm_sev_snp_launch_finish.auth_key_en", 0x11L),
            Map.entry("offsetof kvm_sev_snp_launch_finish.vcek_disabled", 0x12L),
            Map.entry("offsetof kvm_sev_snp_launch_finish.host_data", 0x13L),
            Map.entry("offsetof kvm_sev_snp_launch_finish.flags", 0x36L));

    /**
     * The SNP-era firmware codes of qemu's verbatim sync of the Linux 6.11+ {@code psp-sev.h}
     * (qemu/qemu linux-headers/linux/psp-sev.h @050b3d36), for headers that predate them.
     */
    private static final Map<Integer, String> DOCUMENTED_FIRMWARE_CODES = Map.ofEntries(
            Map.entry(0x19, "INVALID_PAGE_SIZE"), Map.entry(0x1A, "INVALID_PAGE_STATE"),
            Map.entry(0x1B, "INVALID_MDATA_ENTRY"), Map.entry(0x1C, "INVALID_PAGE_OWNER"),
            Map.entry(0x1D, "AEAD_OFLOW"), Map.entry(0x1F, "EXIT_RING_BUFFER"),
            Map.entry(0x20, "RMP_INIT_REQUIRED"), Map.entry(0x21, "BAD_SVN"), Map.entry(0x22, "BAD_VERSION"),
            Map.entry(0x23, "SHUTDOWN_REQUIRED"), Map.entry(0x24, "UPDATE_FAILED"),
            Map.entry(0x25, "RESTORE_REQUIRED"), Map.entry(0x26, "RMP_INITIALIZATION_FAILED"),
            Map.entry(0x27, "INVALID_KEY"));

    private static final Path KVM_HEADER = Path.of("/usr/include/linux/kvm.h");
    private static final Path PSP_HEADER = Path.of("/usr/include/linux/psp-sev.h");

    @Test
    void documentedCommandIdsAndSizes() {
        assertEquals(22, SnpLaunchAbi.KVM_SEV_INIT2);
        assertEquals(100, SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_START);
        assertEquals(101, SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_UPDATE);
        assertEquals(102, SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_FINISH);
        assertEquals(96, SnpLaunchAbi.KVM_SEV_SNP_ID_BLOCK_SIZE);
        assertEquals(4096, SnpLaunchAbi.KVM_SEV_SNP_ID_AUTH_SIZE);
        for (StructLayout layout : SnpLaunchAbi.ALL) {
            String name = layout.name().orElseThrow();
            assertEquals(DOCUMENTED.get("sizeof " + name), layout.byteSize(), name);
        }
        for (Map.Entry<String, Long> e : DOCUMENTED.entrySet()) {
            if (e.getKey().startsWith("offsetof ")) {
                String[] structField = e.getKey().substring("offsetof ".length()).split("\\.");
                assertEquals(e.getValue(), layout(structField[0]).byteOffset(groupElement(structField[1])), e.getKey());
            }
        }
        for (Map.Entry<Integer, String> e : DOCUMENTED_FIRMWARE_CODES.entrySet()) {
            assertEquals(e.getValue(), SevFirmwareError.name(e.getKey()));
        }
        assertEquals("INVALID_PARAM", SevFirmwareError.name(0x16)); // sev-snp.md §1.5
    }

    /** The ioctl numbers, structs and constants of the launch path in kvm-backend, as sev-snp.md §1.1-1.3 gives them. */
    @Test
    void documentedKvmNumbersOfTheLaunchPath() {
        assertEquals(0x0000AE01L, KvmIoctl.KVM_CREATE_VM.number());
        assertEquals(0x0000AE41L, KvmIoctl.KVM_CREATE_VCPU.number());
        assertEquals(0x0000AE80L, KvmIoctl.KVM_RUN.number());
        assertEquals(0x40A0AE49L, KvmIoctl.KVM_SET_USER_MEMORY_REGION2.number());
        assertEquals(0x4068AEA3L, KvmIoctl.KVM_ENABLE_CAP.number());
        assertEquals(0xC008AEBAL, KvmIoctl.KVM_MEMORY_ENCRYPT_OP.number());
        assertEquals(0x4020AED2L, KvmIoctl.KVM_SET_MEMORY_ATTRIBUTES.number());
        assertEquals(0xC040AED4L, KvmIoctl.KVM_CREATE_GUEST_MEMFD.number());
        assertEquals(160, KvmStructs.KVM_USERSPACE_MEMORY_REGION2.byteSize());
        assertEquals(104, KvmStructs.KVM_ENABLE_CAP.byteSize());
        assertEquals(32, KvmStructs.KVM_MEMORY_ATTRIBUTES.byteSize());
        assertEquals(64, KvmStructs.KVM_CREATE_GUEST_MEMFD.byteSize());
        assertEquals(4, KvmConstants.KVM_X86_SNP_VM);
        assertEquals(201, KvmConstants.KVM_CAP_EXIT_HYPERCALL);
        assertEquals(3, KvmConstants.KVM_EXIT_HYPERCALL);
        assertEquals(12, KvmConstants.KVM_HC_MAP_GPA_RANGE);
        assertEquals(1 << 4, KvmConstants.KVM_MAP_GPA_RANGE_ENCRYPTED);
        assertEquals(0, KvmConstants.KVM_MAP_GPA_RANGE_DECRYPTED);
        assertEquals(1, KvmConstants.KVM_MAP_GPA_RANGE_PAGE_SZ_2M);
        assertEquals(2, KvmConstants.KVM_MAP_GPA_RANGE_PAGE_SZ_1G);
        assertEquals(6, KvmConstants.KVM_SYSTEM_EVENT_SEV_TERM);
        assertEquals(1 << 2, KvmConstants.KVM_MEM_GUEST_MEMFD);
        assertEquals(1L << 3, MemoryAttributeControl.PRIVATE);
        // KVM_SEV_SNP_PAGE_TYPE_*: "kept in sync with firmware values".
        assertEquals(1, PageType.NORMAL.code());
        assertEquals(3, PageType.ZERO.code());
        assertEquals(4, PageType.UNMEASURED.code());
        assertEquals(5, PageType.SECRETS.code());
        assertEquals(6, PageType.CPUID.code());
    }

    @Test
    void matchesTheSystemHeadersOrTheDocumentedDeclarations(@TempDir Path dir) throws Exception {
        assertTrue(Files.exists(KVM_HEADER) && Files.exists(PSP_HEADER),
                "the kernel uAPI headers are needed for this check (package linux-libc-dev)");
        String psp = Files.readString(PSP_HEADER);
        StringBuilder main = new StringBuilder();
        List<String[]> fields = new ArrayList<>();
        for (StructLayout layout : SnpLaunchAbi.ALL) {
            String name = layout.name().orElseThrow();
            main.append("    printf(\"sizeof ").append(name).append(" %zu\\n\", sizeof(T_").append(name).append("));\n");
            for (MemoryLayout member : layout.memberLayouts()) {
                String field = member.name().orElseThrow();
                if (field.startsWith("pad")) {
                    continue; // padding is named differently across header versions (6.1 has no pad0)
                }
                fields.add(new String[] {name, field});
                main.append("    printf(\"offsetof ").append(name).append('.').append(field)
                        .append(" %zu\\n\", offsetof(T_").append(name).append(", ").append(field).append("));\n");
                main.append("    printf(\"sizeof ").append(name).append('.').append(field)
                        .append(" %zu\\n\", sizeof(((T_").append(name).append(" *) 0)->").append(field).append("));\n");
            }
        }
        // Firmware codes the header has: compare by value.
        Map<String, Integer> codesInHeader = new HashMap<>();
        for (Map.Entry<Integer, String> e : SevFirmwareError.all().entrySet()) {
            String cName = "SEV_RET_" + e.getValue();
            if (!psp.contains(cName + ",") && !psp.contains(cName + " ") && e.getValue().equals("INVALID_CONFIG")) {
                cName = "SEV_RET_INAVLID_CONFIG"; // the old headers' spelling
            }
            if (psp.contains(cName)) {
                codesInHeader.put(cName, e.getKey());
                main.append("    printf(\"").append(cName).append(" %d\\n\", (int) ").append(cName).append(");\n");
            }
        }
        String program = """
                #include <stdio.h>
                #include <stddef.h>
                #include <linux/ioctl.h>
                #include <linux/kvm.h>
                #include <linux/psp-sev.h>
                """ + DOCUMENTED_STRUCTS + """
                typedef struct kvm_sev_cmd T_kvm_sev_cmd;
                #ifdef KVM_X86_SNP_VM
                #define SOURCE "header"
                typedef struct kvm_sev_init T_kvm_sev_init;
                typedef struct kvm_sev_snp_launch_start T_kvm_sev_snp_launch_start;
                typedef struct kvm_sev_snp_launch_update T_kvm_sev_snp_launch_update;
                typedef struct kvm_sev_snp_launch_finish T_kvm_sev_snp_launch_finish;
                #else
                #define SOURCE "documented"
                typedef struct doc_kvm_sev_init T_kvm_sev_init;
                typedef struct doc_kvm_sev_snp_launch_start T_kvm_sev_snp_launch_start;
                typedef struct doc_kvm_sev_snp_launch_update T_kvm_sev_snp_launch_update;
                typedef struct doc_kvm_sev_snp_launch_finish T_kvm_sev_snp_launch_finish;
                #endif
                int main(void) {
                    printf("source %s\\n", SOURCE);
                    printf("KVM_SEV_SEND_CANCEL %d\\n", (int) KVM_SEV_SEND_CANCEL);
                #ifdef KVM_X86_SNP_VM
                    printf("page NORMAL %d\\n", KVM_SEV_SNP_PAGE_TYPE_NORMAL);
                    printf("page ZERO %d\\n", KVM_SEV_SNP_PAGE_TYPE_ZERO);
                    printf("page UNMEASURED %d\\n", KVM_SEV_SNP_PAGE_TYPE_UNMEASURED);
                    printf("page SECRETS %d\\n", KVM_SEV_SNP_PAGE_TYPE_SECRETS);
                    printf("page CPUID %d\\n", KVM_SEV_SNP_PAGE_TYPE_CPUID);
                    printf("KVM_SEV_INIT2 %d\\n", (int) KVM_SEV_INIT2);
                    printf("KVM_SEV_SNP_LAUNCH_START %d\\n", (int) KVM_SEV_SNP_LAUNCH_START);
                    printf("KVM_SEV_SNP_LAUNCH_UPDATE %d\\n", (int) KVM_SEV_SNP_LAUNCH_UPDATE);
                    printf("KVM_SEV_SNP_LAUNCH_FINISH %d\\n", (int) KVM_SEV_SNP_LAUNCH_FINISH);
                #else
                    printf("KVM_SEV_NR_MAX %d\\n", (int) KVM_SEV_NR_MAX);
                #endif
                """ + main + """
                    return 0;
                }
                """;
        Map<String, String> c = CProgram.keyValues(dir, "snp_abi", program);

        for (StructLayout layout : SnpLaunchAbi.ALL) {
            String name = layout.name().orElseThrow();
            assertEquals(Long.parseLong(c.get("sizeof " + name)), layout.byteSize(), "sizeof " + name);
        }
        for (String[] f : fields) {
            StructLayout layout = layout(f[0]);
            String key = f[0] + "." + f[1];
            assertEquals(Long.parseLong(c.get("offsetof " + key)), layout.byteOffset(groupElement(f[1])),
                    "offsetof " + key);
            assertEquals(Long.parseLong(c.get("sizeof " + key)), layout.select(groupElement(f[1])).byteSize(),
                    "sizeof " + key);
        }
        for (Map.Entry<String, Integer> e : codesInHeader.entrySet()) {
            assertEquals(Integer.parseInt(c.get(e.getKey())), e.getValue(), e.getKey());
        }
        assertTrue(codesInHeader.size() >= 25, "the header has at least the SEV codes 0x00-0x18: " + codesInHeader);
        assertEquals("INVALID_PARAM", SevFirmwareError.name(codesInHeader.get("SEV_RET_INVALID_PARAM")));

        if (c.get("source").equals("header")) {
            assertEquals(Integer.parseInt(c.get("KVM_SEV_INIT2")), SnpLaunchAbi.KVM_SEV_INIT2);
            assertEquals(Integer.parseInt(c.get("KVM_SEV_SNP_LAUNCH_START")), SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_START);
            assertEquals(Integer.parseInt(c.get("KVM_SEV_SNP_LAUNCH_UPDATE")), SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_UPDATE);
            assertEquals(Integer.parseInt(c.get("KVM_SEV_SNP_LAUNCH_FINISH")), SnpLaunchAbi.KVM_SEV_SNP_LAUNCH_FINISH);
            for (PageType type : List.of(PageType.NORMAL, PageType.ZERO, PageType.UNMEASURED, PageType.SECRETS,
                    PageType.CPUID)) {
                assertEquals(Integer.parseInt(c.get("page " + type)), type.code(), "KVM_SEV_SNP_PAGE_TYPE_" + type);
            }
        } else {
            // A pre-SNP header: INIT2 takes the id right after its last command (where its
            // KVM_SEV_NR_MAX sits); the SNP ids were checked against the documented values.
            assertEquals(Integer.parseInt(c.get("KVM_SEV_SEND_CANCEL")) + 1, SnpLaunchAbi.KVM_SEV_INIT2);
            assertEquals(Integer.parseInt(c.get("KVM_SEV_NR_MAX")), SnpLaunchAbi.KVM_SEV_INIT2);
        }
    }

    private static StructLayout layout(String name) {
        return SnpLaunchAbi.ALL.stream().filter(l -> l.name().orElseThrow().equals(name)).findFirst().orElseThrow();
    }
}
