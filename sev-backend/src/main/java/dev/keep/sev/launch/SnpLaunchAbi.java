package dev.keep.sev.launch;

import static dev.keep.kvm.CFields.array;
import static dev.keep.kvm.CFields.u16;
import static dev.keep.kvm.CFields.u32;
import static dev.keep.kvm.CFields.u64;
import static dev.keep.kvm.CFields.u8;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * The KVM_MEMORY_ENCRYPT_OP sub-commands an SEV-SNP launch issues and their argument structs, as
 * Linux 6.11+ declares them in {@code <asm/kvm.h>} (sev-snp.md §1.3). Member names are the C field
 * names. {@code SnpLaunchAbiTest} compiles these against the system headers with gcc where the
 * headers have them (Linux 6.1 has {@code struct kvm_sev_cmd} and the SEV command ids up to
 * KVM_SEV_SEND_CANCEL) and against the documented declarations otherwise.
 */
public final class SnpLaunchAbi {
    private SnpLaunchAbi() {
    }

    // enum sev_cmd_id: INIT2 follows KVM_SEV_SEND_CANCEL (21); the SNP commands start at 100.
    public static final int KVM_SEV_INIT2 = 22;
    public static final int KVM_SEV_SNP_LAUNCH_START = 100;
    public static final int KVM_SEV_SNP_LAUNCH_UPDATE = 101;
    public static final int KVM_SEV_SNP_LAUNCH_FINISH = 102;

    /** KVM_SEV_SNP_ID_BLOCK_SIZE: the ID block SNP_LAUNCH_FINISH takes. */
    public static final int KVM_SEV_SNP_ID_BLOCK_SIZE = 96;
    /** KVM_SEV_SNP_ID_AUTH_SIZE: the ID authentication information structure. */
    public static final int KVM_SEV_SNP_ID_AUTH_SIZE = 4096;
    /** Size of host_data in SNP_LAUNCH_FINISH (HOST_DATA of the report). */
    public static final int HOST_DATA_SIZE = 32;
    /** Size of the guest OS visible workarounds in SNP_LAUNCH_START. */
    public static final int GOSVW_SIZE = 16;
    /** The GHCB protocol version Keep asks INIT2 for (KVM's maximum and default). */
    public static final int GHCB_VERSION = 2;

    /** struct kvm_sev_cmd (24 B): the KVM_MEMORY_ENCRYPT_OP argument; error is the firmware status out. */
    public static final StructLayout STRUCT_KVM_SEV_CMD = structLayout(
            u32("id"), u32("pad0"), u64("data"), u32("error"), u32("sev_fd")).withName("kvm_sev_cmd");

    /** struct kvm_sev_init (48 B): KVM_SEV_INIT2. */
    public static final StructLayout STRUCT_KVM_SEV_INIT = structLayout(
            u64("vmsa_features"), u32("flags"), u16("ghcb_version"), u16("pad1"),
            array("pad2", 8, JAVA_INT)).withName("kvm_sev_init");

    /** struct kvm_sev_snp_launch_start (64 B). */
    public static final StructLayout STRUCT_KVM_SEV_SNP_LAUNCH_START = structLayout(
            u64("policy"), array("gosvw", GOSVW_SIZE, JAVA_BYTE), u16("flags"),
            array("pad0", 6, JAVA_BYTE), array("pad1", 4, JAVA_LONG)).withName("kvm_sev_snp_launch_start");

    /** struct kvm_sev_snp_launch_update (64 B); gfn_start, uaddr and len are updated by KVM. */
    public static final StructLayout STRUCT_KVM_SEV_SNP_LAUNCH_UPDATE = structLayout(
            u64("gfn_start"), u64("uaddr"), u64("len"), u8("type"), u8("pad0"), u16("flags"),
            u32("pad1"), array("pad2", 4, JAVA_LONG)).withName("kvm_sev_snp_launch_update");

    /** struct kvm_sev_snp_launch_finish (88 B); the 56-byte layout of some Rust bindings is stale. */
    public static final StructLayout STRUCT_KVM_SEV_SNP_LAUNCH_FINISH = structLayout(
            u64("id_block_uaddr"), u64("id_auth_uaddr"), u8("id_block_en"), u8("auth_key_en"),
            u8("vcek_disabled"), array("host_data", HOST_DATA_SIZE, JAVA_BYTE), array("pad0", 3, JAVA_BYTE),
            u16("flags"), array("pad1", 4, JAVA_LONG)).withName("kvm_sev_snp_launch_finish");

    /** Every struct above, for the layout test. */
    public static final List<StructLayout> ALL = List.of(STRUCT_KVM_SEV_CMD,
            STRUCT_KVM_SEV_INIT, STRUCT_KVM_SEV_SNP_LAUNCH_START, STRUCT_KVM_SEV_SNP_LAUNCH_UPDATE,
            STRUCT_KVM_SEV_SNP_LAUNCH_FINISH);

    /** Byte offset of a field of {@code layout}. */
    static long offset(StructLayout layout, String field) {
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }
}
