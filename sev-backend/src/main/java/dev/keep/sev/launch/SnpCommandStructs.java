package dev.keep.sev.launch;

import static dev.keep.sev.launch.SnpLaunchAbi.offset;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.util.Optional;

/**
 * Encodes the KVM_MEMORY_ENCRYPT_OP argument structs of {@link SnpLaunchAbi} in native memory of
 * an arena (FFM allocations are zeroed, so every pad, flags and reserved field is 0 as KVM
 * demands). Kept apart from the ioctls so the encoding is checked without a KVM.
 */
final class SnpCommandStructs {
    /** SNP_LAUNCH_UPDATE and the ID block buffers must be 4 KiB aligned. */
    static final long PAGE = 4096;

    private SnpCommandStructs() {
    }

    /** {@code struct kvm_sev_cmd} for sub-command {@code id} with its argument at {@code data}. */
    static MemorySegment sevCmd(Arena arena, int id, MemorySegment data, int sevFd) {
        StructLayout layout = SnpLaunchAbi.STRUCT_KVM_SEV_CMD;
        MemorySegment cmd = arena.allocate(layout);
        cmd.set(ValueLayout.JAVA_INT, offset(layout, "id"), id);
        cmd.set(ValueLayout.JAVA_LONG, offset(layout, "data"), data.address());
        cmd.set(ValueLayout.JAVA_INT, offset(layout, "sev_fd"), sevFd);
        return cmd;
    }

    /** The firmware status KVM wrote into a {@code kvm_sev_cmd}. */
    static int firmwareError(MemorySegment cmd) {
        return cmd.get(ValueLayout.JAVA_INT, offset(SnpLaunchAbi.STRUCT_KVM_SEV_CMD, "error"));
    }

    /** {@code struct kvm_sev_init} for KVM_SEV_INIT2 (flags 0). */
    static MemorySegment init(Arena arena, long vmsaFeatures, int ghcbVersion) {
        StructLayout layout = SnpLaunchAbi.STRUCT_KVM_SEV_INIT;
        MemorySegment init = arena.allocate(layout);
        init.set(ValueLayout.JAVA_LONG, offset(layout, "vmsa_features"), vmsaFeatures);
        init.set(ValueLayout.JAVA_SHORT, offset(layout, "ghcb_version"), (short) ghcbVersion);
        return init;
    }

    /** {@code struct kvm_sev_snp_launch_start}: the policy, zero GOSVW, flags 0. */
    static MemorySegment launchStart(Arena arena, long policy) {
        StructLayout layout = SnpLaunchAbi.STRUCT_KVM_SEV_SNP_LAUNCH_START;
        MemorySegment start = arena.allocate(layout);
        start.set(ValueLayout.JAVA_LONG, offset(layout, "policy"), policy);
        return start;
    }

    /**
     * An encoded SNP_LAUNCH_UPDATE: the struct and the page-aligned copy of the source bytes it
     * points to ({@link MemorySegment#NULL} for ZERO pages, whose source KVM ignores).
     */
    record EncodedUpdate(MemorySegment params, MemorySegment source) {
        /** Pages KVM processed, from the {@code len} it left in the struct after a successful call. */
        long pagesProcessed(LaunchUpdate update) {
            long left = params.get(ValueLayout.JAVA_LONG, offset(SnpLaunchAbi.STRUCT_KVM_SEV_SNP_LAUNCH_UPDATE, "len"));
            return (update.length() - left) / PAGE;
        }

        /** The source buffer's bytes now: after a rejected CPUID page, the firmware's corrected page. */
        byte[] sourceBytes() {
            return source.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** {@code struct kvm_sev_snp_launch_update} for {@code update}: gfn_start, uaddr, len, type. */
    static EncodedUpdate launchUpdate(Arena arena, LaunchUpdate update) {
        StructLayout layout = SnpLaunchAbi.STRUCT_KVM_SEV_SNP_LAUNCH_UPDATE;
        MemorySegment source = MemorySegment.NULL;
        byte[] data = update.data();
        if (data != null) {
            source = copy(arena, data);
        }
        MemorySegment params = arena.allocate(layout);
        params.set(ValueLayout.JAVA_LONG, offset(layout, "gfn_start"), update.gpa() / PAGE);
        params.set(ValueLayout.JAVA_LONG, offset(layout, "uaddr"), source.address());
        params.set(ValueLayout.JAVA_LONG, offset(layout, "len"), update.length());
        params.set(ValueLayout.JAVA_BYTE, offset(layout, "type"), (byte) update.type().code());
        return new EncodedUpdate(params, source);
    }

    /** {@code struct kvm_sev_snp_launch_finish}: ID block (if any) and host_data; vcek_disabled 0, flags 0. */
    static MemorySegment launchFinish(Arena arena, Optional<SnpIdBlock> idBlock, byte[] hostData) {
        StructLayout layout = SnpLaunchAbi.STRUCT_KVM_SEV_SNP_LAUNCH_FINISH;
        MemorySegment finish = arena.allocate(layout);
        if (idBlock.isPresent()) {
            SnpIdBlock block = idBlock.get();
            finish.set(ValueLayout.JAVA_LONG, offset(layout, "id_block_uaddr"), copy(arena, block.idBlock()).address());
            finish.set(ValueLayout.JAVA_LONG, offset(layout, "id_auth_uaddr"), copy(arena, block.idAuth()).address());
            finish.set(ValueLayout.JAVA_BYTE, offset(layout, "id_block_en"), (byte) 1);
            finish.set(ValueLayout.JAVA_BYTE, offset(layout, "auth_key_en"), (byte) (block.authorKeyEnabled() ? 1 : 0));
        }
        MemorySegment.copy(hostData, 0, finish, ValueLayout.JAVA_BYTE, offset(layout, "host_data"), hostData.length);
        return finish;
    }

    private static MemorySegment copy(Arena arena, byte[] bytes) {
        MemorySegment segment = arena.allocate(bytes.length, PAGE);
        MemorySegment.copy(bytes, 0, segment, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return segment;
    }
}
